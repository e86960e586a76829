/* prompt.c - reading what the user types: the (eww) prompt and the REPL's prompts.
 *
 * With libedit (found by the build: EWW_HAVE_LIBEDIT) and a terminal, lines are read with
 * line editing, history in ~/.eww_history and tab completion: of command names at the (eww)
 * prompt, of Python names at a REPL prompt (asked of the app: a COMPLETE frame answered by a
 * DATA frame, evaluated with rlcompleter in the app). Without them, plain lines from stdin;
 * prompts are shown only on a terminal, so `eww PID repl -q < script.py` prints just the
 * output. Lines are split like a shell would (quotes, backslashes) at the (eww) prompt only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "cmdline.h"
#include "error.h"
#include "proto.h"

#define MAX_ARGS 256
#define PROMPT   "(eww) "

/* The session a REPL prompt completes against (NULL at the (eww) prompt). */
static client *python_client;

#ifdef EWW_HAVE_LIBEDIT
#include <editline/readline.h>

static const char *completion_words; /* the console's command names, space-separated */
static char **python_words;          /* completions from the app, for the current word */
static size_t python_count;

static char *dup_word(const char *w, size_t n)
{
    char *m = malloc(n + 1);
    if (m) {
        memcpy(m, w, n);
        m[n] = '\0';
    }
    return m;
}

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
        if (n >= len && strncmp(w, text, len) == 0)
            return dup_word(w, n);
    }
    return NULL;
}

static void free_python_words(void)
{
    for (size_t i = 0; i < python_count; i++)
        free(python_words[i]);
    free(python_words);
    python_words = NULL;
    python_count = 0;
}

/* Ask the app for the completions of text; they land in python_words. */
static void ask_python(const char *text)
{
    free_python_words();
    client *c = python_client;
    if (eww_send_frame(c->conn.fd, EWW_FRAME_COMPLETE, 0, text, strlen(text), 2000) < 0)
        return;
    eww_frame f;
    if (eww_conn_recv(&c->conn, &f, 5000) < 0 || f.type != EWW_FRAME_DATA)
        return;
    const char *p = (const char *)f.payload, *end = p + f.len;
    const char *body = NULL;
    for (const char *q = p; q + 1 < end; q++) {
        if (q[0] == '\n' && q[1] == '\n') {
            body = q + 2;
            break;
        }
    }
    if (!body || strncmp(p, "completions=", 12) != 0)
        return;
    size_t cap = strtoul(p + 12, NULL, 10);
    if (cap > 10000)
        return;
    python_words = calloc(cap ? cap : 1, sizeof *python_words);
    if (!python_words)
        return;
    while (body < end && python_count < cap) {
        const char *nl = memchr(body, '\n', (size_t)(end - body));
        if (!nl)
            break;
        python_words[python_count] = dup_word(body, (size_t)(nl - body));
        if (python_words[python_count])
            python_count++;
        body = nl + 1;
    }
}

static char *python_generator(const char *text, int state)
{
    static size_t next;
    if (state == 0) {
        ask_python(text);
        next = 0;
    }
    while (next < python_count) {
        const char *w = python_words[next++];
        return dup_word(w, strlen(w));
    }
    return NULL;
}

/* Command names complete the first word and the word after `help`; at a REPL prompt the
 * app completes Python names; nothing else completes (no file names of the client's
 * directory). */
static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    if (python_client)
        return rl_completion_matches(text, python_generator);
    const char *line = rl_line_buffer;
    while (*line == ' ')
        line++;
    int first_word = line - rl_line_buffer >= start;
    int after_help = strncmp(line, "help ", 5) == 0 && strchr(line + 5, ' ') == NULL;
    if (!first_word && !after_help)
        return NULL;
    return rl_completion_matches(text, command_generator);
}

/* Two histories, as two programs would keep them: the console's commands (~/.eww_history)
 * and the Python typed at >>> (~/.eww_repl_history). Up-arrow at >>> never brings back
 * `repl -q`. The one in memory is that of the prompt last read. */
static char history_path[2][4096];
static int history_mode; /* 0: console, 1: REPL */
static int edit_ready;

static void history_switch(int mode)
{
    if (mode == history_mode || !history_path[0][0])
        return;
    stifle_history(1000);
    write_history(history_path[history_mode]);
    clear_history();
    read_history(history_path[mode]);
    history_mode = mode;
}

static void edit_init(const client *c)
{
    static char words[1100];
    if (edit_ready)
        return;
    snprintf(words, sizeof words, "%s exit quit", c->commands);
    completion_words = words;
    rl_readline_name = "eww";
    rl_attempted_completion_function = complete;
    /* Python names hold dots and brackets; rlcompleter completes "os.pa" whole. */
    rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(";
    const char *home = getenv("HOME");
    if (home && *home) {
        snprintf(history_path[0], sizeof history_path[0], "%s/.eww_history", home);
        snprintf(history_path[1], sizeof history_path[1], "%s/.eww_repl_history", home);
        read_history(history_path[0]);
    }
    edit_ready = 1;
}

static int edit_read(const char *prompt, char **out)
{
    history_switch(python_client != NULL);
    char *line = readline(prompt);
    if (!line && client_interrupted) {
        client_interrupted = 0;
        if (!python_client) /* a REPL prints its own "\nKeyboardInterrupt" */
            putchar('\n');
        return -1;
    }
    if (!line)
        return 0;
    if (*line)
        add_history(line);
    *out = line;
    return 1;
}

static void edit_done(void)
{
    free_python_words();
    if (edit_ready && history_path[0][0]) {
        stifle_history(1000);
        write_history(history_path[history_mode]);
    }
}
#else
static void edit_init(const client *c)
{
    (void)c;
}
static int edit_read(const char *prompt, char **out)
{
    (void)prompt;
    (void)out;
    return 0;
}
static void edit_done(void) {}
#endif

/* A line without libedit: 1 (line in *out), 0 at EOF, -1 at Ctrl-C. */
static int plain_read(const char *prompt, int tty, char **out)
{
    if (tty) {
        fputs(prompt, stdout);
        fflush(stdout);
    }
    size_t cap = 0;
    char *line = NULL;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0 && client_interrupted) {
        client_interrupted = 0;
        clearerr(stdin);
        free(line);
        if (tty && !python_client)
            putchar('\n');
        return -1;
    }
    if (n < 0) {
        free(line);
        return 0;
    }
    if (n > 0 && line[n - 1] == '\n')
        line[n - 1] = '\0';
    if (tty) /* keys a terminal without a line editor cannot use: arrows, Home, F-keys */
        eww_strip_escapes(line);
    *out = line;
    return 1;
}

static int use_libedit(void)
{
#ifdef EWW_HAVE_LIBEDIT
    return isatty(0);
#else
    return 0;
#endif
}

/* Read one line at `prompt`: 1 (*out is malloc'd), 0 at EOF (Ctrl-D), -1 at Ctrl-C. For a
 * REPL prompt pass the session in `python`, for Python-aware completion. */
static int prompt_read(const char *prompt, client *python, char **out)
{
    *out = NULL;
    python_client = python;
    int rc =
        use_libedit() && prompt[0] ? edit_read(prompt, out) : plain_read(prompt, isatty(0), out);
    python_client = NULL;
    return rc;
}

int prompt_answer(client *c, const char *prompt)
{
    char *line;
    if (use_libedit())
        edit_init(c);
    int rc = prompt_read(prompt, c, &line);
    int sent;
    if (rc > 0) {
        sent = eww_send_frame(c->conn.fd, EWW_FRAME_INPUT, 0, line, strlen(line), 30000);
        free(line);
    } else if (rc == 0) {
        /* Ctrl-D: the REPL answers with a newline of its own, as Python's does. */
        sent = eww_send_frame(c->conn.fd, EWW_FRAME_EOF, 0, NULL, 0, 30000);
    } else {
        sent = eww_send_frame(c->conn.fd, EWW_FRAME_INTERRUPT, 0, NULL, 0, 30000);
    }
    fflush(stdout);
    return sent < 0 ? -1 : 0;
}

int prompt_loop(client *c)
{
    int last = EXIT_OK;
    printf("Welcome to the eww console. Type 'help' for a list of commands.\n");
    printf("Running in PID: %ld Name: %s\n", c->pid, c->program);
#ifndef EWW_HAVE_LIBEDIT
    if (isatty(0) && isatty(1))
        printf("(No line editing: this eww was built without libedit. For arrow keys, history "
               "and completion: apt-get install libedit-dev pkg-config, then reinstall eww.)\n");
#endif
    fflush(stdout);
    if (use_libedit())
        edit_init(c);
    for (;;) {
        char *line;
        int rc = prompt_read(PROMPT, NULL, &line);
        if (rc == 0) {
            if (isatty(0))
                putchar('\n');
            break;
        }
        if (rc < 0)
            continue; /* Ctrl-C at the prompt: a fresh line */
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
        int quit = 0;
        /* exec takes the rest of the line as code, as typed: `exec x = 1; print(x)`. One
         * quoted word (`exec 'print(1)'`, the form a shell needs) is unquoted. */
        const char *code = eww_rest_of_line(line, "exec");
        int split = eww_split_args(line, store, len + 1, argv, MAX_ARGS, &argc, &why);
        if (code && !(split == 0 && argc == 2 && (*code == '\'' || *code == '"'))) {
            argv[0] = "exec";
            argv[1] = code;
            argc = 2;
            split = 0;
        }
        if (split < 0) {
            fprintf(stderr, "eww: %s\n", why);
            last = EXIT_FAILED;
        } else if (argc > 0 && (strcmp(argv[0], "exit") == 0 || strcmp(argv[0], "quit") == 0)) {
            last = EXIT_OK;
            quit = 1;
        } else if (argc > 0) {
            last = client_run(c, argc, argv);
        }
        free(store);
        free(line);
        if (quit || last == EXIT_CONNECT)
            break;
    }
    edit_done();
    return last == EXIT_CONNECT ? EXIT_CONNECT : EXIT_OK;
}
