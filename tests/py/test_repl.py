"""A Python REPL inside the running app (issue: repl), end to end."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import CLIENT, COMPLETE, DATA, UNDER_ASAN, Repl, frame, wait_for
from test_terminal import HAS_LIBEDIT, Terminal


def start(app, *args):
    raw = app.raw()
    raw.hello()
    repl = Repl(raw, *args)
    banner, prompt = repl.until_prompt()
    return repl, banner, prompt


def test_banner_prompts_echo_and_exit(make_app):
    app = make_app("SECRET = 42\ntime.sleep(60)")
    repl, banner, prompt = start(app)
    assert banner.startswith("Dropping to REPL...\nPython 3.")
    assert "Note: This interpreter is running *inside* of your application.  Be careful.\n" \
        in banner
    assert prompt == ">>> "
    assert repl.send("import gc") == ("", ">>> ")
    assert repl.send("gc.collect() * 0") == ("0\n", ">>> ")
    assert repl.send("SECRET + 1") == ("43\n", ">>> ")  # the app's __main__ names
    assert repl.send("for i in range(3):") == ("", "... ")  # codeop: incomplete input
    assert repl.send("    print(i)") == ("", "... ")
    assert repl.send("") == ("0\n1\n2\n", ">>> ")
    assert repl.send("_") == ("43\n", ">>> ")  # `_` is the REPL's own
    assert repl.send("exit()") == ("Exiting REPL...\n", None)
    assert repl.status == 0
    status, out, _ = repl.raw.command("info")  # back at the console, same session
    assert status == 0 and f"pid:         {app.pid}" in out
    # builtins._ was never touched (the app may use _ for gettext)
    r = app.client("exec", "import builtins; print(hasattr(builtins, '_'))")
    assert r.stdout == "False\n"


def test_traceback_shows_the_right_line(make_app):
    app = make_app("time.sleep(60)")
    repl, _, _ = start(app)
    repl.send("def f(x):")
    repl.send("    y = x + 1")
    repl.send("    return y / 0")
    out, prompt = repl.send("")
    assert prompt == ">>> "
    out, prompt = repl.send("f(1)")
    assert out == ("Traceback (most recent call last):\n"
                   '  File "<console>", line 1, in <module>\n'
                   '  File "<console>", line 3, in f\n'
                   "ZeroDivisionError: division by zero\n")
    out, _ = repl.send("def (")
    assert "SyntaxError" in out
    assert repl.send("quit()")[1] is None


@pytest.mark.parametrize("how", ["exit()", "quit()", "sys.exit(3)", "raise SystemExit",
                                 "EOF"])
def test_every_way_out_ends_the_repl_not_the_app(make_app, how):
    app = make_app("time.sleep(60)")
    repl, _, _ = start(app)
    repl.send("import sys")
    out, prompt = repl.eof() if how == "EOF" else repl.send(how)
    assert prompt is None and out.endswith("Exiting REPL...\n")
    assert app.alive()
    assert app.client("info").returncode == 0


def test_sys_exit_in_repl_then_the_app_exits_with_its_own_status(make_app):
    app = make_app("time.sleep(1.5)\nprint('BYE', flush=True)\nsys.exit(5)")
    r = subprocess.run([CLIENT, str(app.pid), "repl"], input="import sys\nsys.exit(3)\n",
                       capture_output=True, text=True, env=app.client_env, timeout=30)
    assert r.returncode == 0 and r.stdout == ""  # input not a terminal: quiet, as python is
    assert app.client("info").returncode == 0
    assert app.readline() == "BYE"
    assert app.proc.wait(timeout=10) == 5


def test_app_output_stays_with_the_app_complete_and_in_order(make_app):
    app = make_app(
        """
        import threading
        def counter():
            for i in range(300):
                print(f"count {i}")
                time.sleep(0.01)
            print("COUNTED", flush=True)
        threading.Thread(target=counter).start()
        time.sleep(60)
        """)
    repl, _, _ = start(app)
    seen = ""
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        out, _ = repl.send("print('from the repl'); import sys; sys.stdout.write('w\\n')")
        seen += out
    assert "count" not in seen
    assert seen.count("from the repl\nw\n") >= 10
    repl.send("exit()")
    lines = []
    while True:
        line = app.readline()
        lines.append(line)
        if line == "COUNTED":
            break
    assert lines[:-1] == [f"count {i}" for i in range(300)]


def test_input_reads_from_the_client(make_app):
    app = make_app("time.sleep(60)")
    repl, _, _ = start(app)
    out, prompt = repl.send("name = input('who? ')")
    assert out == "who? " and prompt == ""
    assert repl.send("Ada Lovelace") == ("", ">>> ")
    assert repl.send("name") == ("'Ada Lovelace'\n", ">>> ")


def test_interrupt_stops_a_runaway_statement(make_app):
    app = make_app("time.sleep(60)")
    repl, _, _ = start(app)
    repl.raw.send(frame(8, b'print("running", flush=True); exec("while True: pass")'))
    repl.until_output("running\n")  # the statement runs: Ctrl-C now interrupts it
    repl.interrupt()
    out, prompt = repl.until_prompt()
    assert prompt == ">>> "
    assert out.endswith("KeyboardInterrupt\n")
    # Ctrl-C at an empty prompt: a fresh prompt, the session lives
    repl.interrupt()
    out, prompt = repl.until_prompt()
    assert out == "\nKeyboardInterrupt\n" and prompt == ">>> "
    repl.interrupt()
    assert repl.until_prompt() == ("\nKeyboardInterrupt\n", ">>> ")
    assert repl.send("1 + 1") == ("2\n", ">>> ")


def test_two_repls_at_once_keep_their_own_names_and_output(make_app):
    app = make_app("time.sleep(60)")
    a, _, _ = start(app)
    b, _, _ = start(app)
    a.send("x = 'apple'")
    b.send("x = 'banana'")
    results = {}

    def chatter(name, repl):
        out = ""
        for _ in range(50):
            out += repl.send(f"print('{name}', x)")[0]
        results[name] = out

    ta = threading.Thread(target=chatter, args=("A", a))
    tb = threading.Thread(target=chatter, args=("B", b))
    ta.start(); tb.start(); ta.join(); tb.join()
    assert results["A"] == "A apple\n" * 50
    assert results["B"] == "B banana\n" * 50


def test_ten_megabytes_of_output_arrive_complete(make_app):
    app = make_app("time.sleep(60)")
    repl, _, _ = start(app)
    out, prompt = repl.send("print('x' * (10 << 20))")
    assert prompt == ">>> "
    assert len(out) == (10 << 20) + 1 and out == "x" * (10 << 20) + "\n"
    out, _ = repl.send("for i in range(20000): print(i)")
    out, _ = repl.send("")
    assert out.splitlines() == [str(i) for i in range(20000)]


def test_client_killed_mid_statement(make_app):
    app = make_app("time.sleep(60)")
    repl, _, _ = start(app)
    repl.raw.send(frame(8, b'print("running", flush=True); exec("while True: pass")'))
    repl.until_output("running\n")
    repl.raw.close()
    # the statement was interrupted and the session ended: the app is idle again
    assert wait_for(lambda: "sessions:    1 of" in app.client("info").stdout)
    r = app.client("exec", "import threading; print(threading.active_count())")
    assert r.returncode == 0
    assert app.alive()


def test_client_that_stops_reading_never_blocks_the_app(make_app):
    app = make_app(
        """
        import threading
        def beat():
            while True:
                print("beat", flush=True)
                time.sleep(0.05)
        threading.Thread(target=beat, daemon=True).start()
        time.sleep(60)
        """, embed="eww.embed(client_timeout=1)")
    raw = app.raw()
    raw.hello()
    raw.sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
    repl = Repl(raw)
    repl.until_prompt()
    raw.send(frame(8, b"exec('while True: print(1000 * \\'flood\\')')"))
    # we never read again; the app's own thread keeps beating meanwhile
    t0 = time.monotonic()
    beats = 0
    while time.monotonic() - t0 < 3:
        if app.readline() == "beat":
            beats += 1
    assert beats >= 30
    _, err = app.stop()
    assert "eww: a REPL session ended: its client left or stopped reading" in err


def test_non_interactive_script_and_exec(make_app, tmp_path):
    app = make_app("time.sleep(60)")
    script = tmp_path / "script.py"
    script.write_text("import os\nprint('pid', os.getpid())\nx = 6 * 7\nx\n")
    r = subprocess.run([CLIENT, str(app.pid), "repl", "-q"], stdin=open(script),
                       capture_output=True, text=True, env=app.client_env, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"pid {app.pid}\n42\n"
    script.write_text("print('before')\n1/0\nprint('after')\n")
    r = subprocess.run([CLIENT, str(app.pid), "repl"], stdin=open(script),
                       capture_output=True, text=True, env=app.client_env, timeout=30)
    assert r.returncode == 1
    assert "before" in r.stdout and "ZeroDivisionError" in r.stdout and "after" in r.stdout
    r = app.client("exec", "import os\nprint(os.getpid())")
    assert r.returncode == 0 and r.stdout == f"{app.pid}\n"
    r = app.client("exec", "print('a')\nraise KeyError('k')")
    assert r.returncode == 1
    assert r.stdout.startswith("a\nTraceback (most recent call last):\n")
    assert 'File "<exec>", line 2, in <module>' in r.stdout and "KeyError: 'k'" in r.stdout
    r = app.client("exec", "def (")
    assert r.returncode == 1 and "SyntaxError" in r.stdout
    r = app.client("exec")
    assert r.returncode == 1 and "exec: missing 'CODE'" in r.stderr


def test_exec_takes_the_rest_of_the_line_and_echoes_a_value(make_app):
    app = make_app("time.sleep(60)")
    # from a shell: the words the shell split, joined again
    r = app.client("exec", "x", "=", "6*7;", "print(x)")
    assert r.returncode == 0 and r.stdout == "42\n", r.stderr
    r = app.client("exec", "[1] * 3")  # a last expression is echoed, as at >>>
    assert r.stdout == "[1, 1, 1]\n"
    r = app.client("exec", "import os\nos.getpid()")
    assert r.stdout == f"{app.pid}\n"
    r = app.client("exec", "None")
    assert r.returncode == 0 and r.stdout == ""
    # in the console: the rest of the line, as typed (quotes and # are Python's)
    lines = ["exec import sys; print(sys.version_info[0])",
             "exec 'print(1)'",                 # one quoted word: the shell's form
             "exec x = \"it's\"; x",
             "exec print(2)  # don't split me",
             "exec 1/0"]
    r = subprocess.run([CLIENT, str(app.pid)], input="\n".join(lines) + "\n",
                       capture_output=True, text=True, env=app.client_env, timeout=30)
    out = r.stdout.split("\n", 2)[2]  # after the banner
    assert out.startswith("3\n1\n\"it's\"\n2\nTraceback (most recent call last):\n"), out
    assert "ZeroDivisionError: division by zero" in out


def test_audit_event_for_every_statement(make_app):
    app = make_app(
        """
        seen = []
        def hook(event, args):
            if event == "eww.repl.exec":
                seen.append(args[1])
        sys.addaudithook(hook)
        time.sleep(60)
        """)
    repl, _, _ = start(app)
    repl.send("a = 1")
    repl.send("b = 2")
    out, _ = repl.send("import __main__; __main__.seen[:]")
    assert out == "['a = 1', 'b = 2', 'import __main__; __main__.seen[:]']\n"


def test_completion_is_evaluated_in_the_app(make_app):
    app = make_app("SECRET_NUMBER = 42\ntime.sleep(60)")
    repl, _, _ = start(app)
    repl.raw.send(frame(COMPLETE, b"SECRET_N"))
    ftype, payload = repl.raw.recv_frame()
    assert ftype == DATA
    assert payload.decode() == "completions=1\n\nSECRET_NUMBER\n"
    repl.send("import os")
    repl.raw.send(frame(COMPLETE, b"os.getpi"))
    ftype, payload = repl.raw.recv_frame()
    assert any(w.startswith("os.getpid(") for w in payload.decode().split("\n"))


@pytest.mark.skipif(not HAS_LIBEDIT, reason="client built without libedit")
def test_terminal_repl_with_completion_and_ctrl_c(make_app):
    app = make_app("SECRET_NUMBER = 42\ntime.sleep(60)")
    t = Terminal([CLIENT, str(app.pid), "repl"], env=dict(app.client_env, HOME=str(app.sockdir)))
    try:
        t.expect(r">>> ")
        t.wait_raw()
        t.send("SECRET_N\t\r")  # completed in the app: SECRET_NUMBER
        t.expect(r"\r\n42\r\n>>> ")
        t.wait_raw()
        # The statement says it runs, then spins without a word: its line is shown at once
        # (not held until the statement ends), and Ctrl-C typed the moment it shows lands.
        t.send("print('spinning'); n = 0\r")
        t.expect(r"spinning\r\n>>> ")
        t.wait_raw()
        t.send("while True: n += 1; _ = n == 1 and print('running')\r")
        t.expect(r"\.\.\. ")
        t.wait_raw()
        t.send("\r")
        t.expect(r"running\r\n")
        t.send("\x03")  # Ctrl-C interrupts the statement
        t.expect(r"KeyboardInterrupt\r\n>>> ")
        t.wait_raw()
        t.ctrl_c_until(r"KeyboardInterrupt\r\n>>> ")  # at an empty prompt: keeps the session
        t.wait_raw()
        t.send("\x04")  # Ctrl-D
        t.expect(r"Exiting REPL\.\.\.")
        assert t.proc.wait(timeout=10) == 0
    finally:
        t.close()


def test_repl_while_a_console_command_runs_elsewhere(make_app):
    app = make_app("eww.incr('n', 5)\ntime.sleep(60)")
    repl, _, _ = start(app)
    repl.raw.send(frame(8, b"import time; time.sleep(1)"))
    r = app.client("stats", "n")  # another session answers meanwhile
    assert r.stdout == "n:5\n"
    assert repl.until_prompt() == ("", ">>> ")


def test_app_exits_while_a_repl_statement_spins(make_app):
    app = make_app("print('WAIT', flush=True)\ntime.sleep(1.5)\nsys.exit(4)")
    assert app.readline() == "WAIT"
    repl, _, _ = start(app)
    repl.raw.send(frame(8, b'exec("while True: pass")'))
    start_wait = time.monotonic()
    assert app.proc.wait(timeout=10) == 4
    assert time.monotonic() - start_wait < 3.5  # 1.5 s of the app's own, then a prompt exit
    assert not os.path.exists(app.path)


def test_lines_printed_just_before_a_long_computation_arrive_while_it_runs(make_app):
    """Lines closer together than the output's 10 ms batching are sent soon after, not when
    the statement ends: the second line is seen while the loop still spins."""
    app = make_app("time.sleep(60)")
    repl, _, _ = start(app)
    repl.raw.send(frame(8, b"print('one'); print('two'); print('three'); "
                           b"exec('while True: pass')"))
    out = repl.until_output("three")
    assert out == "one\ntwo\nthree\n"
    repl.interrupt()
    out, prompt = repl.until_prompt()
    assert out.endswith("KeyboardInterrupt\n") and prompt == ">>> "


def test_ctrl_c_sent_with_the_line_interrupts_that_statement(make_app):
    app = make_app("time.sleep(60)")
    repl, _, _ = start(app)
    # the line and the Ctrl-C arrive together: the interrupt belongs to that statement
    repl.raw.send(frame(8, b'exec("while True: pass")') + frame(9))
    out, prompt = repl.until_prompt()
    assert out.endswith("KeyboardInterrupt\n") and prompt == ">>> "
    assert repl.send("2 + 2") == ("4\n", ">>> ")


def test_threading_first_imported_by_a_repl_does_not_hang_exit(sockdir):
    """The app never imports threading; a REPL does, while it spins; the app still exits."""
    import subprocess
    import sys as _sys

    code = ("import eww, sys, time\neww.embed()\nprint('READY', flush=True)\n"
            "assert 'threading' in sys.modules\ntime.sleep(1.5)\nsys.exit(6)\n")
    env = dict(__import__("os").environ, EWW_SOCKET_DIR=str(sockdir))
    app = subprocess.Popen([_sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                           env=env)
    assert app.stdout.readline() == "READY\n"
    from conftest import Raw
    raw = Raw(f"{sockdir}/{app.pid}.sock")
    raw.hello()
    repl = Repl(raw)
    repl.until_prompt()
    raw.send(frame(8, b'exec("while True: pass")'))
    assert app.wait(timeout=10) == 6


def test_a_repl_or_exec_session_leaves_nothing_behind(make_app):
    """After a session, nothing it made stays alive (its console, its namespace, what it
    defined, the traceback of a statement that raised), and the app's sys.last_* are as the
    app left them. Measured by an idle diff, which must stay exactly empty."""
    app = make_app("import gc; gc.collect(); sys.last_value = 'the app\\'s'; time.sleep(600)")
    watcher = app.raw()
    watcher.hello()
    session = ["x = [1, 2, 3]", "1/0", "def f():\n    return x\n", "class C:\n    pass\n",
               "c = C()", "[C() for _ in range(5)]", "f()", "exit()"]

    def repl_session():
        repl, _, _ = start(app)
        for line in session:
            repl.send(line)
        repl.raw.close()

    def exec_session(code):
        r = app.client("exec", code)
        assert r.returncode in (0, 1)

    # twice first: the first sessions import the REPL's modules (and traceback's) for good,
    # and the second ones collect what those imports left as garbage; on 3.9 the first use
    # of each kind of AST node (exec parses its code) grows that node class's shared keys
    for _ in range(2):
        repl_session()
        exec_session("def g(): pass\nclass D: pass\n1/0")
        exec_session("y = {i: str(i) for i in range(100)}")
    watcher.command("diff")
    assert watcher.command("diff")[1] == "No change since the last diff.\n"

    def nothing_new():
        # no type has more objects than before; fewer may (the app's own garbage, freed by
        # the collection that ends a session which defined functions or classes)
        out = watcher.command("diff")[1]
        counts = [int(line.split("|")[1]) for line in out.splitlines()[2:]]
        assert all(c < 0 for c in counts), out
        return out

    for _ in range(3):
        repl_session()  # exit() returns once the session has ended (DONE comes after)
        nothing_new()
        exec_session("def g(): pass\nclass D: pass\n1/0")
        nothing_new()
        exec_session("y = {i: str(i) for i in range(100)}")
        assert nothing_new() == "No change since the last diff.\n"
    r = app.client("exec", "print(repr(sys.last_value), hasattr(sys, 'last_traceback'))")
    assert r.stdout == "\"the app's\" False\n"
