/* main.c - the eww command: options, choosing a console, exit statuses.
 *
 * Links the core library only: the client never loads Python.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "eww_version.h"
#include "proto.h"

#define CONNECT_TIMEOUT_MS 10000

volatile sig_atomic_t client_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    client_interrupted = 1;
}

static const char usage_text[] =
    "usage: eww [OPTIONS] [PID] [COMMAND [ARGS...]]\n"
    "\n"
    "Connect to the eww console running inside a Python program (one that called\n"
    "eww.embed(), or was started with 'python -m eww app.py').\n"
    "\n"
    "  eww                   connect to the only running console (or list them and ask)\n"
    "  eww PID               connect to the console of process PID\n"
    "  eww PID COMMAND ...   run one command, print its answer and exit (for scripts)\n"
    "  eww COMMAND ...       the same, with the only running console\n"
    "  eww --list            list running consoles: pid, program, uptime, RSS, Python;\n"
    "                        removes sockets left behind by processes that are gone\n"
    "\n"
    "options:\n"
    "  -l, --list            list running consoles and exit\n"
    "  -s, --socket PATH     connect to the console listening at PATH\n"
    "  -h, --help            show this help and exit\n"
    "  -V, --version         show the version and exit\n"
    "\n"
    "At the (eww) prompt, 'help' lists the console's commands; exit, quit or Ctrl-D leave.\n"
    "\n"
    "exit status:\n"
    "  0  the command (or the session) succeeded\n"
    "  1  the command failed (the console said why)\n"
    "  2  could not connect: no console, refused, process gone, protocol mismatch,\n"
    "     or a usage error\n"
    "\n"
    "environment:\n"
    "  EWW_SOCKET_DIR        look for consoles in this directory only (default:\n"
    "                        $XDG_RUNTIME_DIR/eww and /tmp/eww-UID)\n";

/* A word of digits only is meant as a PID (no command is named so). */
static int is_pid(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* Several consoles: on a terminal, list them and ask which one; otherwise say so. */
static int choose(console *k, int n, console *out)
{
    fprintf(stderr, "Several processes have an eww console:\n");
    fflush(stderr);
    discover_list();
    if (!isatty(0)) {
        fprintf(stderr, "eww: say which one: eww PID\n");
        return -1;
    }
    for (;;) {
        char line[64];
        printf("Connect to which PID? ");
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin))
            return -1;
        line[strcspn(line, "\r\n")] = '\0';
        long pid = atol(line);
        for (int i = 0; i < n; i++) {
            if (k[i].pid == pid) {
                *out = k[i];
                return 0;
            }
        }
        printf("%s is not one of them.\n", line);
    }
}

int main(int argc, char **argv)
{
    const char *socket_path = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
#ifdef EWW_HAVE_LIBEDIT
            const char *editing = "libedit";
#else
            const char *editing = "none";
#endif
            printf("eww %s (protocol %d, line editing: %s)\n", EWW_VERSION, EWW_PROTO_VERSION,
                   editing);
            return EXIT_OK;
        } else if (strcmp(a, "-l") == 0 || strcmp(a, "--list") == 0) {
            return discover_list();
        } else if (strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "eww: %s needs a path\n", a);
                return EXIT_CONNECT;
            }
            socket_path = argv[++i];
        } else {
            fprintf(stderr, "eww: unknown option '%s' (try 'eww --help')\n", a);
            return EXIT_CONNECT;
        }
    }

    console target;
    char err[1024];
    if (socket_path) {
        if (strlen(socket_path) >= sizeof target.path) {
            fprintf(stderr, "eww: socket path too long\n");
            return EXIT_CONNECT;
        }
        snprintf(target.path, sizeof target.path, "%s", socket_path);
        target.pid = 0;
    } else if (i < argc && is_pid(argv[i])) {
        errno = 0;
        long pid = strtol(argv[i], NULL, 10);
        if (pid <= 0 || pid > INT_MAX || errno == ERANGE) { /* pid_t's range; 0 is no process */
            fprintf(stderr, "eww: '%s' is not a process ID\n", argv[i]);
            return EXIT_CONNECT;
        }
        if (discover_pid(pid, &target, err, sizeof err) < 0) {
            fprintf(stderr, "eww: %s\n", err);
            return EXIT_CONNECT;
        }
        i++;
    } else {
        console k[256];
        int n = discover_all(k, 256, 1);
        if (n == 0) {
            fprintf(stderr, "eww: no running process has an eww console. Add 'import eww; "
                            "eww.embed()' to the program, or start it with 'python -m eww "
                            "app.py'.\n");
            return EXIT_CONNECT;
        }
        if (n == 1)
            target = k[0];
        else if (choose(k, n, &target) < 0)
            return EXIT_CONNECT;
    }

    /* Ctrl-C interrupts waits (no SA_RESTART) and is handled where it lands: at the prompt
     * it clears the line, during a command it is sent to the console. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    client c;
    if (client_open(&c, target.path, target.pid, socket_path != NULL, i < argc, CONNECT_TIMEOUT_MS,
                    err, sizeof err) != 0) {
        if (target.pid)
            fprintf(stderr, "eww: process %ld: %s\n", target.pid, err);
        else
            fprintf(stderr, "eww: %s\n", err);
        return EXIT_CONNECT;
    }
    int status;
    if (i < argc && argc - i == 1 && strcmp(argv[i], "repl") == 0 && !isatty(0)) {
        /* `eww PID repl < script.py` runs like `python < script.py`: no banner. */
        const char *quiet[] = {"repl", "-q"};
        status = client_run(&c, 2, quiet);
    } else if (i < argc)
        status = client_run(&c, argc - i, (const char **)argv + i);
    else
        status = prompt_loop(&c);
    client_close(&c);
    return status;
}
