"""``python -m eww demo``: a guided tour of eww on a bundled leaky program.

Starts ``leakapp.py`` with the console embedded, lets it leak for a moment, then drives the
real ``eww`` client through the investigation, printing each command and its answer as a user
would see them. Ends the program and exits 0 when every step worked.
"""

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import eww

STEPS = [
    ("Who is running with a console?", ["--list"]),
    ("What is this process?", ["{pid}", "info"]),
    ("Is there a leak? What the app records:", ["{pid}", "stats"]),
    ("Where is its memory: live objects or fragmentation?", ["{pid}", "memory"]),
    ("Memory over time, in the terminal:", ["{pid}", "stats", "-p", "Memory Usage"]),
    ("The same chart as an SVG file, written by the client:",
     ["{pid}", "stats", "-g", "Memory Usage"]),
    ("What objects are alive? Every one, by type, with exact sizes:",
     ["{pid}", "summary", "-n", "8"]),
]




def _shell_quote(arg):
    return shlex.quote(arg)


def _run_client(client, args, pid, cwd):
    argv = [client] + [a.format(pid=pid) for a in args]
    shown = "eww " + " ".join(_shell_quote(a.format(pid=pid)) for a in args)
    print(f"$ {shown}", flush=True)
    env = dict(os.environ, COLUMNS=os.environ.get("COLUMNS", "78"), LINES="22")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=90, cwd=cwd, env=env)
    sys.stdout.write(proc.stdout)
    if proc.stderr:
        sys.stdout.write(proc.stderr)
    for line in proc.stdout.splitlines():
        if line.startswith(("Chart written to ", "Graph written to ", "Report written to ")):
            name = line.split(" written to ", 1)[1]
            if name.endswith(")") and " (" in name:
                name = name[:name.rindex(" (")]  # "(6 nodes)"
            where = os.path.join(cwd, name)
            if name.endswith((".svg", ".html")):
                print(f"(the file is {where}: open it in a browser)")
            else:
                print(f"(the file is {where})")
        elif line.startswith("The DOT text is in "):
            print(f"(in {cwd}: Graphviz's dot draws it)")
    print(flush=True)
    return proc.returncode


def _diffs(client, pid):
    """What leaks? Two diffs on one connection, a second apart, as a user would type them."""
    print("# What leaks? diff sets a baseline; the next diff shows what changed since:")
    proc = subprocess.Popen([client, str(pid)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    proc.stdin.write("diff\n")
    proc.stdin.flush()
    time.sleep(1.0)
    proc.stdin.write("diff\n")
    proc.stdin.close()
    out = proc.stdout.read()
    proc.wait(timeout=30)
    # Show it as typed at the prompt (the client shows no prompt when input is piped).
    lines = out.splitlines()
    body = lines[2:]  # after the welcome banner
    first = body[0] if body else ""
    print("(eww) diff")
    print(first)
    print("(eww) diff")
    for line in body[1:]:
        print(line)
    print()
    return proc.returncode


def _pauses(client, pid, cwd):
    """Heap questions without stopping the app: the walk on a snapshot, then on the live heap,
    each followed by what the app's ticker thread saw."""
    print("# Heap questions do not stop the app: they are answered on a snapshot, a copy of the"
          "\n# app made in milliseconds. Its ticker thread records the longest time it could not"
          "\n# run (what a health check would see):", flush=True)
    failed = _run_client(client, ["{pid}", "summary", "-n", "3"], pid, cwd) != 0
    failed += _run_client(client, ["{pid}", "stats", "longest pause (ms)"], pid, cwd) != 0
    print("# The same walk on the live heap (as pympler and objgraph do it) stops the app for all"
          "\n# of it:", flush=True)
    print("$ eww %d" % pid)
    proc = subprocess.run([client, str(pid)], input="walk live\nsummary -n 3\n",
                          capture_output=True, text=True, timeout=60)
    lines = proc.stdout.splitlines()[2:]  # after the welcome banner
    print("(eww) walk live")
    print(lines[0] if lines else "")
    print("(eww) summary -n 3")
    sys.stdout.write(proc.stderr)  # the note that it walks in process
    for line in lines[1:]:
        print(line)
    print()
    failed += proc.returncode != 0
    failed += _run_client(client, ["{pid}", "stats", "longest pause (ms)"], pid, cwd) != 0
    print()
    return failed


def _wait_for_console(client, pid, app, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.poll() is not None:
            return False
        probe = subprocess.run([client, str(pid), "info"], capture_output=True, timeout=10)
        if probe.returncode == 0:
            return True
        time.sleep(0.1)
    return False


USAGE = """usage: python -m eww demo [--out DIR]

A guided tour of eww on a bundled leaky program. The charts and graphs it draws go to a
temporary folder, removed at the end; with --out DIR they are written to DIR and kept.
"""


def main(argv):
    keep = None
    if argv[:1] == ["--out"] and len(argv) == 2:
        keep = argv[1]
    elif argv:
        sys.stderr.write(USAGE)
        return 0 if argv in (["-h"], ["--help"]) else 2
    client = eww.client_path()
    if client is None:
        sys.stderr.write("eww demo: the eww client is not installed next to this Python\n")
        return 1
    app_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "leakapp.py")
    print("Starting a leaky demo program with the eww console embedded:")
    print(f"  {sys.executable} -m eww {app_path}\n", flush=True)
    app = subprocess.Popen([sys.executable, "-m", "eww", app_path])
    failed = 0
    outdir = None
    try:
        if not _wait_for_console(client, app.pid, app):
            sys.stderr.write("eww demo: the demo program's console did not come up\n")
            return 1
        time.sleep(3.0)  # let it leak for a while
        if keep:
            os.makedirs(keep, exist_ok=True)
            outdir = os.path.abspath(keep)
        else:
            outdir = tempfile.mkdtemp(prefix="eww-demo-")
        for title, args in STEPS:
            print(f"# {title}", flush=True)
            failed += _run_client(client, args, app.pid, outdir) != 0
        print("# The whole leak hunt in one command: is there a leak, what leaks, what keeps it"
              " alive (6 s here; 60 s by default). --html also writes the report as a page:",
              flush=True)
        failed += _run_client(client, ["{pid}", "hunt", "--for", "6s", "--every", "1s", "--html",
                                       "hunt.html"], app.pid, outdir) != 0
        failed += _diffs(client, app.pid) != 0
        print("# Where does it leak? What keeps every Handler alive:", flush=True)
        failed += _run_client(client, ["{pid}", "chain", "Handler", "-n", "2"], app.pid,
                              outdir) != 0
        print("# The same as a picture: what refers to a few Handlers (Graphviz draws it when"
              " installed):", flush=True)
        failed += _run_client(client, ["{pid}", "backrefs", "Handler"], app.pid, outdir) != 0
        failed += _pauses(client, app.pid, outdir) != 0
    finally:
        # Ctrl-C, as a user would: the program exits normally and its console removes its
        # socket (SIGTERM would kill it before its atexit handlers run).
        app.send_signal(signal.SIGINT)
        try:
            app.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print("The demo program did not end within 60 s of Ctrl-C: killed (its socket "
                  "stays behind).", flush=True)
            failed += 1
            app.kill()
            app.wait()
        if app.returncode != 0:
            print(f"The demo program exited with status {app.returncode}.", flush=True)
        if outdir and not keep:
            shutil.rmtree(outdir, ignore_errors=True)
    print("The demo program has ended." if not failed else "Some steps failed.")
    if not keep:
        print("(Its files were in a temporary folder, now removed: "
              "python -m eww demo --out DIR keeps them.)")
    return 1 if failed else 0
