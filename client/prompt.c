/* prompt.c - the interactive (eww) prompt.
 *
 * With libedit (found by the build: EWW_HAVE_LIBEDIT) the prompt has line editing, history
 * in ~/.eww_history and tab completion of command names; without it, plain lines from stdin.
 * The prompt is shown only when stdin is a terminal, so `printf 'info\n' | eww PID` prints
 * just the answers. Lines are split like a shell would (quotes, backslashes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "cmdline.h"

#define MAX_ARGS 256
#define PROMPT   "(eww) "

#ifdef EWW_HAVE_LIBEDIT
#include <editline/readline.h>

static const char *completion_words; /* the console's command names, space-separated */

static char *command_generator(const char *text, int state)
{
    static const char *next;
    static size_t len;
    if (state == 0) {
        next = completion_words;
        len = strlen(text);
    }
    while (next && *next) {
        const char *w = next;
        size_t n = strcspn(w, " ");
        next = w[n] ? w + n + 1 : w + n;
        if (n >= len && strncmp(w, text, len) == 0) {
            char *m = malloc(n + 1);
            if (m) {
                memcpy(m, w, n);
                m[n] = '\0';
            }
            return m;
        }
    }
    return NULL;
}

/* Command names complete the first word, and the word after `help`; nothing else completes
 * (libedit would otherwise offer file names of the client's directory). */
static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    const char *line = rl_line_buffer;
    while (*line == ' ')
        line++;
    int first_word = line - rl_line_buffer >= start;
    int after_help = strncmp(line, "help ", 5) == 0 && strchr(line + 5, ' ') == NULL;
    if (!first_word && !after_help)
        return NULL;
    return rl_completion_matches(text, command_generator);
}

static char history_path[4096];

static void edit_init(const client *c)
{
    static char words[1100];
    snprintf(words, sizeof words, "%s exit quit", c->commands);
    completion_words = words;
    rl_readline_name = "eww";
    rl_attempted_completion_function = complete;
    const char *home = getenv("HOME");
    if (home && *home) {
        snprintf(history_path, sizeof history_path, "%s/.eww_history", home);
        read_history(history_path);
    }
}

static char *edit_read(int tty)
{
    if (!tty) {
        /* libedit's readline() echoes to a non-terminal; read plainly instead. */
        return NULL;
    }
    char *line = readline(PROMPT);
    if (!line && client_interrupted) {
        /* Ctrl-C at the prompt: libedit gives up the line; prompt again. */
        client_interrupted = 0;
        putchar('\n');
        return strdup("");
    }
    if (line && *line)
        add_history(line);
    return line;
}

static void edit_done(void)
{
    if (history_path[0]) {
        stifle_history(1000);
        write_history(history_path);
    }
}
#else
static void edit_init(const client *c)
{
    (void)c;
}
static char *edit_read(int tty)
{
    (void)tty;
    return NULL;
}
static void edit_done(void) {}
#endif

/* A line from stdin without libedit; NULL at EOF. The caller frees it. */
static char *plain_read(int tty)
{
    if (tty) {
        fputs(PROMPT, stdout);
        fflush(stdout);
    }
    size_t cap = 0;
    char *line = NULL;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0 && client_interrupted) {
        /* Ctrl-C at the prompt: forget the line, prompt again. */
        client_interrupted = 0;
        clearerr(stdin);
        free(line);
        if (tty)
            putchar('\n');
        return strdup("");
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n')
        line[n - 1] = '\0';
    return line;
}

int prompt_loop(client *c)
{
    int tty = isatty(0);
    int last = EXIT_OK;
    printf("Welcome to the eww console. Type 'help' for a list of commands.\n");
    printf("Running in PID: %ld Name: %s\n", c->pid, c->program);
    fflush(stdout);
#ifdef EWW_HAVE_LIBEDIT
    int use_edit = tty;
#else
    int use_edit = 0;
#endif
    if (use_edit)
        edit_init(c);
    for (;;) {
        char *line = use_edit ? edit_read(tty) : plain_read(tty);
        if (!line) {
            if (tty)
                putchar('\n');
            break;
        }
        size_t len = strlen(line);
        char *store = malloc(len + 1);
        const char *argv[MAX_ARGS];
        int argc = 0;
        const char *why = NULL;
        if (!store) {
            free(line);
            fprintf(stderr, "eww: out of memory\n");
            last = EXIT_FAILED;
            break;
        }
        if (eww_split_args(line, store, len + 1, argv, MAX_ARGS, &argc, &why) < 0) {
            fprintf(stderr, "eww: %s\n", why);
            last = EXIT_FAILED;
        } else if (argc > 0 && (strcmp(argv[0], "exit") == 0 || strcmp(argv[0], "quit") == 0)) {
            free(store);
            free(line);
            last = EXIT_OK;
            break;
        } else if (argc > 0) {
            last = client_run(c, argc, argv);
        }
        free(store);
        free(line);
        if (last == EXIT_CONNECT)
            break;
    }
    if (use_edit)
        edit_done();
    return last == EXIT_CONNECT ? EXIT_CONNECT : EXIT_OK;
}
