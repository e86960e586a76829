/* commands.c - the console's commands: the table `help` reads, and the handlers.
 *
 * Each handler parses its own arguments, writes its answer through the reply, and returns
 * EWW_STATUS_OK or EWW_STATUS_FAILED (after reply_error). Handlers with needs_python == 0
 * run on the session thread without the GIL and must not touch any Python object: they read
 * the facts captured at embed() time and /proc. docs/commands.md documents every entry of
 * the table; tests/py/test_docs.py checks that the two agree.
 */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "eww_version.h"
#include "fmt.h"
#include "json.h"
#include "proc.h"
#include "proto.h"

static int cmd_help(reply *r, int argc, const char **argv);
static int cmd_info(reply *r, int argc, const char **argv);
static int cmd_walk(reply *r, int argc, const char **argv);

static const command table[] = {
    {"help", "help [COMMAND]", "list the commands, or show how to use one",
     "Without an argument, lists every command with a one-line summary. With the name of\n"
     "a command, shows its usage and what it does.\n",
     cmd_help, 0},
    {"info", "info [--json]",
     "process id, program, argv, Python version, uptime, threads, eww version",
     "Facts about the process the console runs in: pid, program name, command line,\n"
     "Python version and executable, uptime, number of threads, resident memory, the eww\n"
     "version and protocol, the socket path and the number of open sessions.\n"
     "Answered without taking the GIL: it works while the app is stuck in a long C call.\n"
     "  --json   print the same facts as one JSON object\n",
     cmd_info, 0},
    {"stats", "stats [NAME] [--json]", "counters and graphs the app recorded; one stat's values",
     "Without NAME: every counter (name:value) and every graph (name:points, and how many\n"
     "older points were dropped). With NAME: a counter's value, or a graph's points, one\n"
     "'x y' pair a line. The app records them with eww.incr/decr/put/graph. Answered without\n"
     "the GIL.\n"
     "  --json   the same as JSON\n"
     "See also: stats -g NAME (an SVG chart), stats -p NAME (a chart in the terminal).\n",
     cmd_stats, 0},
    {"stats", "stats -g NAME [-f FILE] [-t TITLE] [-x XLABEL] [-y YLABEL]",
     "SVG line chart of a graph, written by the client",
     "Draws the graph NAME as an SVG line chart and writes it in the client's working\n"
     "directory as FILE.svg (default: the graph's name), then says 'Chart written to ...'.\n"
     "  -f FILE   file name (a plain name; .svg is added)\n"
     "  -t TITLE  chart title (default: the graph's name)\n"
     "  -x XLABEL title of the x axis (default: x; seconds for the memory and track graphs)\n"
     "  -y YLABEL title of the y axis (default: the unit of its ticks, e.g. MiB)\n"
     "Graphs whose name mentions memory, rss, heap or bytes get axes in KiB/MiB/GiB. More\n"
     "points than pixels are downsampled keeping the shape (largest-triangle-three-buckets).\n",
     cmd_stats, 0},
    {"stats", "stats -p NAME [-t TITLE] [-x XLABEL] [-y YLABEL]",
     "the same chart drawn in the terminal",
     "Draws the graph NAME in the terminal with Unicode braille, sized to the window.\n"
     "  -t TITLE  chart title (default: the graph's name)\n"
     "  -x XLABEL title of the x axis, shown in the header\n"
     "  -y YLABEL title of the y axis, shown in the header (the ticks carry their unit)\n",
     cmd_stats, 0},
    {"memory", "memory [--json]",
     "RSS, peak, USS/PSS, malloc and Python heap: leak or fragmentation?",
     "Where the process's memory is: RSS now and peak, USS/PSS/swap (smaps_rollup), glibc\n"
     "malloc's accounting (in use, free but kept, mmap'd, trimmable), pymalloc arenas and\n"
     "Python's allocated blocks. Live objects that leak grow 'allocated blocks' and 'in use';\n"
     "fragmentation grows 'free, kept' while they do not. Everything but allocated blocks is\n"
     "read without the GIL and shown first.\n"
     "  --json   the same as JSON\n",
     cmd_memory, 1},
    {"summary", "summary [-n N] [--sort size|count] [--collect] [--json]",
     "every live object by type: count and total size",
     "Walks every live object (gc-tracked ones, the untracked str/int/float/bytes/dicts/\n"
     "tuples they hold, and the frozen generation) and prints pympler's table: types,\n"
     "# objects, total size (exactly sys.getsizeof). eww's own objects never appear.\n"
     "  -n N              the N largest rows (default 15)\n"
     "  --sort size|count order of the rows (default size)\n"
     "  --collect         run gc.collect() first (otherwise the heap is left untouched)\n"
     "  --json            the same as JSON, with totals and the walk's time and memory\n",
     cmd_summary, 1},
    {"diff", "diff [NAME] [--json]", "what changed since the previous diff, or since a snapshot",
     "pympler's SummaryTracker: the first diff of a connection sets the baseline; each\n"
     "later one shows the types whose count or size changed since the previous one\n"
     "(+/-). An idle app gives an empty diff; 10,000 leaked objects show as +10000.\n"
     "One command from a shell (eww PID diff) goes on from the previous one: two of them\n"
     "show what changed in between. With NAME: what changed since the snapshot NAME\n"
     "(see snapshot), which stays as it is.\n"
     "  --json   the same as JSON\n",
     cmd_diff, 1},
    {"snapshot", "snapshot [NAME] | snapshot --list [--json] | snapshot --drop NAME",
     "keep the heap's table by a name, for diff NAME later",
     "Walks the heap (as summary) and keeps its table of types in the app, in C memory, by\n"
     "NAME (letters, digits, _ . : -; without one, the lowest free number): it outlives the\n"
     "connection, so `diff NAME` from any later connection shows what changed since. A\n"
     "snapshot of an existing name replaces it. At most 16 are kept; --list shows them\n"
     "(when taken, objects, types, size), --drop NAME frees one; eww.remove() frees all.\n",
     cmd_snapshot, 1},
    {"growth", "growth [-n N] [--json]",
     "types whose count grew past its peak; steady growth flagged",
     "objgraph's show_growth for this connection: the types whose number of objects is\n"
     "higher than ever before (on this connection), with the increase; and in how many of\n"
     "the last 5 calls each grew. Growing in 3 or more is flagged: steady growth is the\n"
     "signature of a leak. eww counts every live object, not only the gc's. One command\n"
     "from a shell (eww PID growth) goes on from the previous one.\n"
     "  -n N     at most N types (default 10)\n"
     "  --json   the same as JSON\n",
     cmd_growth, 1},
    {"garbage", "garbage [--collect] [--json]",
     "uncollectable objects, and the cyclic garbage waiting for the collector",
     "The objects in gc.garbage (uncollectable), by type; then the cyclic garbage the\n"
     "collector has not freed yet (objects only reachable from each other), by type, with\n"
     "example IDs for chain and backrefs, and the collector's totals. Finding it frees\n"
     "nothing and runs no code of the app.\n"
     "  --collect   then run gc.collect(), and say how many objects it freed\n"
     "  --json      the same as JSON\n",
     cmd_garbage, 1},
    {"hunt", "hunt [--for DURATION] [--every INTERVAL] [-n N] [--json | --html FILE]",
     "a whole leak hunt: is there a leak, what leaks, what keeps it alive",
     "Samples the process's memory and its heap by type every INTERVAL for DURATION\n"
     "(default 60s every 5s; durations like 30s, 5m, 1h, 500ms or plain seconds), each\n"
     "walk on a snapshot of the app, then reports:\n"
     "  1. is there a leak: RSS, malloc in use and free, Python's objects and allocated\n"
     "     blocks, with rates, and a verdict: live objects accumulate, native memory grows\n"
     "     (malloc in use, not Python), fragmentation (malloc's free memory), or no leak;\n"
     "  2. what leaks: the types that grew steadily (in most intervals, in both halves of\n"
     "     the hunt, well above the scatter of a type that only churns), by bytes/s;\n"
     "  3. where: for the top N (default 3), what keeps them alive (chain TYPE's groups)\n"
     "     and, when tracing is on (trace on), where they were allocated.\n"
     "A heap that only churns reports no leak. Ctrl-C ends the sampling early and reports\n"
     "on what it has.\n"
     "  -n N        where for the top N growing types (default 3, at most 20)\n"
     "  --json      the report as one JSON object, with the samples' series\n"
     "  --html FILE also write the report as one self-contained HTML file, with charts\n"
     "              of memory and of the growing types (no script, nothing fetched)\n",
     cmd_hunt, 1},
    {"chain", "chain TYPE|ID [-n N] [--class] [--json]",
     "why objects are alive: shortest chains from a root",
     "For an ID (0x... as eww prints it, or Python's decimal id()): the shortest chain of\n"
     "references from a root to that object, one edge after the other:\n"
     "  module leakapp -> attribute 'registry' -> dict key 'bucket' -> list index 41\n"
     "For a TYPE (short or full name): the chains of every live instance, grouped by\n"
     "shape (list indices and the keys of a dict holding many of them as *, a run of\n"
     "equal edges said once), largest group first, with an example ID for each.\n"
     "With --class (or when no instance is left), the chains of the classes of that name\n"
     "themselves: what keeps a class alive.\n"
     "Roots: modules, signal handlers, local variables of live threads' frames, and objects\n"
     "nothing refers to (held by C code). An ID is looked up, never trusted: a stale one is\n"
     "an error. No code of the app runs; Ctrl-C stops it.\n"
     "  -n N     at most N groups (default 10)\n"
     "  --class  the classes named TYPE, not their instances\n"
     "  --json   the same as JSON\n",
     cmd_chain, 1},
    {"backrefs", "backrefs TYPE|ID [-d DEPTH] [-n MAXNODES] [-f FILE] [--json]",
     "the graph of what refers to an object, drawn with Graphviz",
     "Who refers to the object with this ID, who refers to those, and so on up to DEPTH\n"
     "references away (default 3); for a TYPE, the same for 3 of its live instances,\n"
     "spread over all of them. Nodes show the type, the ID and a short repr; edges say how\n"
     "(attribute 'x', dict key 'k', list index 3, local y). The search stops at modules\n"
     "and classes, draws at most 10 referrers a node (the rest are counted) and at most\n"
     "MAXNODES nodes (default 100). An object nothing refers to is marked: C code holds it.\n"
     "The client draws FILE.svg with Graphviz's dot when it is installed, else writes the\n"
     "DOT text to FILE.dot and says how to draw it. FILE (default backrefs-TYPE or\n"
     "backrefs-ID) is a plain name in the client's directory; FILE.dot always writes DOT,\n"
     "FILE.png and FILE.pdf draw those formats, and - prints the DOT text.\n"
     "  -d DEPTH      references away from the object (1 to 20, default 3)\n"
     "  -n MAXNODES   nodes at most (1 to 10000, default 100)\n"
     "  -f FILE       where the client writes the graph\n"
     "  --json        the summary line as JSON (the client still writes the graph)\n",
     cmd_backrefs, 1},
    {"leaking", "leaking [-n N] [--json]", "objects nothing refers to, by type (held by C code)",
     "objgraph's get_leaking_objects: the objects the gc tracks that no other object\n"
     "refers to (roots, and objects leaked by C code), by type, with an example ID each.\n"
     "  -n N     at most N types (default 20)\n"
     "  --json   the same as JSON\n",
     cmd_leaking, 1},
    {"where", "where TYPE [--json]", "where the live objects of a type were allocated",
     "The allocation tracebacks of the live instances of TYPE (tracemalloc's\n"
     "get_object_traceback), grouped and counted, largest group first. Needs allocation\n"
     "tracing: `trace on` first; objects allocated before it have no traceback.\n"
     "  --json   the same as JSON\n",
     cmd_where, 1},
    {"size", "size ID|TYPE|-e EXPR", "deep and flat size of an object, or of a type's instances",
     "pympler's asizeof, from the console: the deep size (the object and everything it\n"
     "refers to, each object counted once) and the flat size (the object alone), with\n"
     "asizeof's default options (classes, functions and modules are not followed). For a\n"
     "TYPE: all its live instances together, their flat sizes, and the largest instances\n"
     "by what each adds (what several share counts with the first). -e EXPR sizes the\n"
     "value of a Python expression, evaluated as `exec` does (in a copy of the app's\n"
     "__main__ namespace; it raises the audit event eww.repl.exec). Runs in the app with\n"
     "the GIL held: asizeof's rules are Python code, which a snapshot must not run.\n"
     "  -e EXPR   size the value of EXPR\n",
     cmd_size, 1},
    {"refs", "refs ID [-d DEPTH] [-n MAXNODES]", "the tree of what an object refers to",
     "pympler's refbrowser, forwards: the object, what it refers to (its referents, as the\n"
     "gc sees them), what those refer to, DEPTH levels deep (default 2), one line each with\n"
     "the edge (attribute 'x', dict key 'k', list index 3), the type, the ID and a short\n"
     "repr. At most 10 referents a node are shown (the rest are counted) and MAXNODES\n"
     "nodes in all (default 200); an object met again says (shown above); modules and\n"
     "classes are not expanded. No code of the app runs: answered on a snapshot.\n"
     "  -d DEPTH      levels (1 to 20, default 2)\n"
     "  -n MAXNODES   nodes at most (1 to 10000, default 200)\n",
     cmd_refs, 1},
    {"track", "track CLASS [-i SECONDS] [-n SAMPLES]",
     "instances of a class and their deep size over time, as graphs",
     "pympler's ClassTracker, from the console: every SECONDS (default 5) counts the live\n"
     "instances of CLASS and sizes them together (as `size CLASS`), prints a line with the\n"
     "change since the last one, and appends the two numbers to the graphs\n"
     "track:CLASS:instances and track:CLASS:bytes of the stats store, which `stats -g`\n"
     "draws (and which outlive the command). Runs until Ctrl-C, or for SAMPLES samples.\n"
     "Each sample holds the GIL while it counts and sizes (the time is shown); the\n"
     "class's constructor is not touched.\n"
     "  -i SECONDS   time between samples (0.1 to 86400, default 5)\n"
     "  -n SAMPLES   stop after this many samples\n",
     cmd_track, 1},
    {"trace", "trace on [FRAMES] | trace off", "start or stop allocation tracing (tracemalloc)",
     "trace on [FRAMES] starts tracemalloc with FRAMES frames a traceback (default 10), so\n"
     "that `where` can say where objects allocated from then on came from. It costs memory\n"
     "and time for every allocation: trace off stops it and frees its memory.\n",
     cmd_trace, 1},
    {"repl", "repl [-q]", "a Python REPL running inside the app",
     "Python's interactive interpreter, inside the app: the app's modules, and a copy of\n"
     "its __main__ namespace (`import __main__` for the live one). Prompts >>> and ...,\n"
     "expression values echoed, tracebacks printed. Its output goes to you; the app's own\n"
     "output, from its other threads, goes where it always went. input() reads from you.\n"
     "The exit and quit builtins, sys.exit and Ctrl-D end the REPL, never the app. Ctrl-C\n"
     "interrupts the running statement (Python code; a blocking C call ends first). Tab\n"
     "completes names (with libedit). Every statement raises the audit event eww.repl.exec.\n"
     "  -q   no banner ('eww PID repl -q < script.py' runs a script, status 1 if it raised)\n",
     cmd_repl, 1},
    {"walk", "walk [snapshot|live]", "heap commands on a forked copy of the app, or in it",
     "Shows, or sets for this connection, where heap commands (summary, diff, growth,\n"
     "garbage, chain, backrefs, leaking, refs, snapshot) walk: 'snapshot' (the default\n"
     "unless embed(snapshot=False)) a forked copy of the app that answers while the app runs\n"
     "on; 'live' the live heap in the app, with the GIL held for the whole walk (as pympler\n"
     "and objgraph do), which also runs __sizeof__ methods written in Python.\n",
     cmd_walk, 0},
    {"exec", "exec CODE", "run Python code inside the app and print its output",
     "Runs CODE (one or more statements) in a fresh copy of the app's __main__ namespace,\n"
     "prints what it writes and its traceback if it raises (exit status 1); a last\n"
     "expression's value is echoed as at >>>. At the prompt, the rest of the line is the\n"
     "code, as typed: exec import sys; print(sys.path). From a shell, quote it:\n"
     "  eww PID exec 'import gc; print(gc.get_count())'\n",
     cmd_exec, 1},
};

static const int n_table = (int)(sizeof table / sizeof table[0]);

static const command *find(const char *name)
{
    for (int i = 0; i < n_table; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

void commands_names(char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n_table; i++) {
        if (i && strcmp(table[i].name, table[i - 1].name) == 0)
            continue; /* another form of the same command */
        int n = snprintf(out + used, outlen - used, "%s%s", i ? " " : "", table[i].name);
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
}

int commands_dispatch(reply *r, int argc, const char **argv)
{
    const command *c = find(argv[0]);
    if (!c) {
        reply_error(r, "unknown command '%s'. Type 'help' for the list of commands.", argv[0]);
        return EWW_STATUS_FAILED;
    }
    return c->fn(r, argc, argv);
}

int commands_usage_error(reply *r, const char *name, const char *what, const char *arg)
{
    /* Every usage line of the command: `stats` has three forms. */
    char usage[1024] = "";
    size_t used = 0;
    for (int i = 0; i < n_table; i++) {
        if (strcmp(table[i].name, name) != 0)
            continue;
        int k = snprintf(usage + used, sizeof usage - used, "%s%s", used ? "\n       " : "",
                         table[i].usage);
        if (k < 0 || (size_t)k >= sizeof usage - used)
            break;
        used += (size_t)k;
    }
    reply_error(r, "%s: %s '%s'\nusage: %s", name, what, arg, usage);
    return EWW_STATUS_FAILED;
}

int commands_bad_argument(reply *r, const char *name, const char *arg)
{
    return commands_usage_error(r, name, arg[0] == '-' ? "unknown option" : "unexpected argument",
                                arg);
}

int commands_count_option(reply *r, const char *name, const char *what, int argc, const char **argv,
                          int *i, long max, int *out)
{
    char *end = NULL;
    long v = *i + 1 < argc ? strtol(argv[*i + 1], &end, 10) : -1;
    if (*i + 1 >= argc || *end || v < 1 || v > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "%.8s takes a number of %s (1 to %ld), not", argv[*i], what, max);
        return commands_usage_error(r, name, msg, *i + 1 < argc ? argv[*i + 1] : "nothing");
    }
    *out = (int)v;
    (*i)++;
    return 0;
}

int commands_file_name(reply *r, const char *name, const char *file, const char *fallback,
                       char *out, size_t outlen)
{
    if (file && (strchr(file, '/') || file[0] == '.' || !file[0])) {
        reply_error(r,
                    "%s: -f takes a plain file name (no '/', not starting with '.'); "
                    "the client writes it in its working directory",
                    name);
        return -1;
    }
    const char *base = file ? file : fallback;
    size_t n = strlen(base);
    if (n + 1 > outlen || n > 200) {
        reply_error(r, "%s: file name too long (200 bytes at most)", name);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)base[i];
        out[i] = (c == '/' || c < 0x20 || (i == 0 && c == '.')) ? '_' : (char)c;
    }
    out[n] = '\0';
    return 0;
}

static int cmd_help(reply *r, int argc, const char **argv)
{
    if (argc > 2)
        return commands_bad_argument(r, "help", argv[2]);
    if (argc == 2) {
        const command *c = find(argv[1]);
        if (!c) {
            reply_error(r, "no command named '%s'. Type 'help' for the list of commands.", argv[1]);
            return EWW_STATUS_FAILED;
        }
        /* Every form of the command (they are next to each other in the table). */
        for (; c < table + n_table && strcmp(c->name, argv[1]) == 0; c++)
            reply_printf(r, "%susage: %s\n\n%s\n%s", c == find(argv[1]) ? "" : "\n", c->usage,
                         c->summary, c->details);
        return EWW_STATUS_OK;
    }
    reply_printf(r, "Commands (type 'help COMMAND' for details):\n\n");
    for (int i = 0; i < n_table; i++)
        reply_printf(r, "  %-36s  %s\n", table[i].usage, table[i].summary);
    reply_printf(r, "\nexit, quit or Ctrl-D leave the console; the app keeps running.\n");
    return EWW_STATUS_OK;
}

/* Append arg quoted for a POSIX shell when it needs quoting. */
static int shell_quote(eww_buf *b, const char *arg)
{
    if (*arg && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "0123456789@%_+=:,./-") == strlen(arg))
        return eww_buf_puts(b, arg);
    int rc = eww_buf_putc(b, '\'');
    for (const char *s = arg; rc == 0 && *s; s++)
        rc = *s == '\'' ? eww_buf_puts(b, "'\\''") : eww_buf_putc(b, *s);
    return rc == 0 ? eww_buf_putc(b, '\'') : rc;
}

static int cmd_walk(reply *r, int argc, const char **argv)
{
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "snapshot") != 0 && strcmp(argv[1], "live") != 0))
        return commands_usage_error(r, "walk", "takes snapshot or live, not",
                                    argc > 2 ? argv[2] : argv[1]);
    const server_options *o = server_get_options();
    if (argc == 2 && strcmp(argv[1], "snapshot") == 0 && !o->snapshot) {
        reply_error(r, "walk: snapshots are off for this app (embed(snapshot=False))");
        return EWW_STATUS_FAILED;
    }
    if (argc == 2)
        r->in_process = strcmp(argv[1], "live") == 0;
    if (!o->snapshot || r->in_process)
        reply_printf(r, "Heap commands walk the live heap in the app (the GIL held meanwhile).\n");
    else if (o->snapshot_memory_mb)
        reply_printf(r,
                     "Heap commands walk a snapshot: a forked copy of the app (at most %ld MiB "
                     "of its own).\n",
                     o->snapshot_memory_mb);
    else
        reply_printf(r, "Heap commands walk a snapshot: a forked copy of the app.\n");
    return EWW_STATUS_OK;
}

static int cmd_info(reply *r, int argc, const char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return commands_bad_argument(r, "info", argv[i]);
    }
    const server_facts *f = server_get_facts();
    const server_options *o = server_get_options();
    eww_proc_info p;
    eww_proc_read(getpid(), &p);
    char sock[EWW_PATH_MAX];
    server_socket_path(sock, sizeof sock);
    int sessions = server_session_count();

    eww_buf b;
    eww_buf_init(&b, 64 * 1024);
    int rc = 0;
    if (json) {
        rc |= eww_buf_printf(&b, "{\"pid\": %ld, \"program\": ", (long)getpid());
        rc |= eww_json_str(&b, f->program);
        rc |= eww_buf_puts(&b, ", \"argv\": [");
        for (size_t i = 0, k = 0; i < f->argv_len; i += strlen(f->argv + i) + 1, k++) {
            rc |= eww_buf_puts(&b, k ? ", " : "");
            rc |= eww_json_str(&b, f->argv + i);
        }
        rc |= eww_buf_puts(&b, "], \"python\": ");
        rc |= eww_json_str(&b, f->python);
        rc |= eww_buf_puts(&b, ", \"executable\": ");
        rc |= eww_json_str(&b, f->executable);
        rc |= eww_buf_printf(&b, ", \"uptime_seconds\": %.3f, \"threads\": %d, \"rss_bytes\": %lld",
                             p.uptime, p.threads, p.rss);
        rc |= eww_buf_printf(&b, ", \"eww_version\": \"%s\", \"protocol\": %d, \"socket\": ",
                             EWW_VERSION, EWW_PROTO_VERSION);
        rc |= eww_json_str(&b, sock);
        rc |= eww_buf_printf(&b, ", \"sessions\": %d, \"max_sessions\": %d}\n", sessions,
                             o->max_sessions);
    } else {
        char up[64], rss[64];
        eww_fmt_duration(up, sizeof up, p.uptime);
        eww_fmt_bytes(rss, sizeof rss, p.rss);
        rc |= eww_buf_printf(&b, "pid:         %ld\nprogram:     %s\nargv:        ", (long)getpid(),
                             f->program);
        for (size_t i = 0, k = 0; i < f->argv_len; i += strlen(f->argv + i) + 1, k++) {
            rc |= eww_buf_puts(&b, k ? " " : "");
            rc |= shell_quote(&b, f->argv + i);
        }
        rc |= eww_buf_printf(&b,
                             "\npython:      %s\nexecutable:  %s\nuptime:      %s\n"
                             "threads:     %d\nrss:         %s\n"
                             "eww:         %s (protocol %d)\nsocket:      %s\n"
                             "sessions:    %d of %d\n",
                             f->python, f->executable, up, p.threads, rss, EWW_VERSION,
                             EWW_PROTO_VERSION, sock, sessions, o->max_sessions);
    }
    return reply_buffer(r, &b, rc, "info");
}
