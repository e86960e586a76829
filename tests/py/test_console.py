"""The console end to end: the real app, the real eww client, a real socket."""

import json

import pytest
import re
import os
import stat
import subprocess
import sys

from conftest import CLIENT, client_env, frame, wait_for


def test_info_and_help_through_the_client(app):
    r = app.client("info")
    assert r.returncode == 0, r.stderr
    assert f"pid:         {app.pid}" in r.stdout
    assert f"python:      {sys.version.split()[0]}" in r.stdout
    assert "eww:         0.1.0 (protocol 1)" in r.stdout
    assert f"socket:      {app.path}" in r.stdout
    r = app.client("help")
    assert r.returncode == 0
    assert "help [COMMAND]" in r.stdout and "info [--json]" in r.stdout
    r = app.client("help", "info")
    assert r.returncode == 0 and r.stdout.startswith("usage: info [--json]")


def test_info_json(app):
    r = app.client("info", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["pid"] == app.pid
    assert data["argv"] == ["-c"]
    assert data["protocol"] == 1
    assert data["threads"] >= 3
    assert data["rss_bytes"] > 1 << 20


def test_exit_statuses(app, sockdir):
    assert app.client("info").returncode == 0
    r = app.client("frobnicate")
    assert r.returncode == 1
    assert "unknown command 'frobnicate'" in r.stderr
    r = app.client("info", "--bogus")
    assert r.returncode == 1
    assert "info: unknown option '--bogus'" in r.stderr and "usage: info [--json]" in r.stderr
    r = app.client("help", "nope")
    assert r.returncode == 1 and "no command named 'nope'" in r.stderr
    # cannot connect: a pid without a console, a pid that does not exist
    r = subprocess.run([CLIENT, "1", "info"], capture_output=True, text=True, env=app.client_env)
    assert r.returncode == 2 and "has no eww console" in r.stderr
    r = subprocess.run([CLIENT, "999999999", "info"], capture_output=True, text=True,
                       env=app.client_env)
    assert r.returncode == 2 and "no process with pid 999999999" in r.stderr
    # digits that no process can have (0 would be the client's own process group)
    for bad in ("0", "99999999999999999999"):
        r = subprocess.run([CLIENT, bad, "info"], capture_output=True, text=True,
                           env=app.client_env)
        assert r.returncode == 2 and f"eww: '{bad}' is not a process ID" in r.stderr, r.stderr
    r = subprocess.run([CLIENT, "--frob"], capture_output=True, text=True,
                       env=client_env(os.environ))
    assert r.returncode == 2 and "unknown option" in r.stderr


def test_help_documents_exit_statuses():
    r = subprocess.run([CLIENT, "--help"], capture_output=True, text=True,
                       env=client_env(os.environ))
    assert r.returncode == 0
    for line in ("0  the command", "1  the command failed", "2  could not connect"):
        assert line in r.stdout


def test_only_console_is_chosen_and_several_are_listed(make_app, sockdir):
    a = make_app()
    r = a.client("info", pid=False)
    assert r.returncode == 0 and f"pid:         {a.pid}" in r.stdout
    b = make_app()
    r = a.client("info", pid=False)  # not a terminal: list them and say how to choose
    assert r.returncode == 2
    assert "Several processes have an eww console" in r.stderr
    assert str(a.pid) in r.stdout and str(b.pid) in r.stdout
    assert "eww PID" in r.stderr


def test_no_console_message(sockdir):
    env = dict(os.environ, EWW_SOCKET_DIR=str(sockdir), XDG_RUNTIME_DIR=str(sockdir))
    r = subprocess.run([CLIENT, "info"], capture_output=True, text=True, env=client_env(env))
    assert r.returncode == 2
    assert "no running process has an eww console" in r.stderr


def test_piped_session_and_quoting(app):
    r = subprocess.run([CLIENT, str(app.pid)], input="help 'info'\ninfo\nexit\ninfo\n",
                       capture_output=True, text=True, env=app.client_env, timeout=30)
    assert r.returncode == 0
    assert "Welcome to the eww console. Type 'help' for a list of commands." in r.stdout
    assert f"Running in PID: {app.pid} Name: " in r.stdout
    assert "usage: info [--json]" in r.stdout
    assert r.stdout.count("pid:         ") == 1  # the info after exit never ran
    r = subprocess.run([CLIENT, str(app.pid)], input="help 'info\n", capture_output=True,
                       text=True, env=app.client_env, timeout=30)
    assert "unterminated single quote" in r.stderr


def test_socket_and_directory_modes(app, sockdir):
    st = os.lstat(app.path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(os.lstat(sockdir).st_mode) == 0o700
    assert os.path.basename(app.path) == f"{app.pid}.sock"


def test_default_directory_is_created_0700(make_app, tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    app = make_app(env={"EWW_SOCKET_DIR": "", "XDG_RUNTIME_DIR": str(runtime)})
    assert app.path == f"{runtime}/eww/{app.pid}.sock"
    assert stat.S_IMODE(os.lstat(runtime / "eww").st_mode) == 0o700
    r = app.client("info")
    assert r.returncode == 0


def test_embed_is_idempotent_and_remove_cleans_up(make_app):
    app = make_app(
        """
        again = eww.embed()
        print("AGAIN", again == _path, flush=True)
        eww.remove()
        print("REMOVED", os.path.exists(_path), eww.socket_path(), flush=True)
        eww.remove()
        print("BACK", eww.embed() == _path, flush=True)
        time.sleep(60)
        """
    )
    assert app.readline() == "AGAIN True"
    assert app.readline() == "REMOVED False None"
    assert app.readline() == "BACK True"
    assert app.client("info").returncode == 0


def test_eww_disable(make_app, sockdir):
    app = make_app("print('PATH', eww.socket_path(), flush=True); time.sleep(60)",
                   env={"EWW_DISABLE": "1"})
    assert app.path == "None"
    assert app.readline() == "PATH None"
    assert os.listdir(sockdir) == []


def test_embed_rejects_unknown_options(make_app):
    app = make_app(
        """
        try:
            eww.embed(colour="blue")
        except TypeError as e:
            print("TypeError", e, flush=True)
        time.sleep(60)
        """
    )
    assert app.readline() == "TypeError embed() got unexpected option(s): colour"


def test_max_sessions_refuses_with_a_message(make_app):
    app = make_app(embed="eww.embed(max_sessions=2)")
    a, b = app.raw(), app.raw()
    a.hello()
    b.hello()
    r = app.client("info")
    assert r.returncode == 2
    assert "too many sessions (2 open, the limit is 2)" in r.stderr
    a.close()
    assert wait_for(lambda: app.client("info").returncode == 0)
    b.close()


def test_audit_event_for_every_connection(make_app):
    app = make_app(
        """
        def hook(event, args):
            if event == "eww.session.open":
                print("AUDIT", *args, flush=True)
        sys.addaudithook(hook)
        time.sleep(60)
        """
    )
    for _ in range(3):
        assert app.client("info").returncode == 0
    lines = [app.readline() for _ in range(3)]
    assert all(line.startswith("AUDIT ") for line in lines)
    ids = [int(line.split()[1]) for line in lines]
    assert ids == sorted(set(ids))
    assert all(int(line.split()[3]) == os.geteuid() for line in lines)


REFUSING_HOOK = """
def hook(event, args):
    if event == "eww.session.open":
        raise PermissionError("no consoles on Fridays")
"""
BUSY_GIL = """
import threading
def spin():
    while True:
        sum(range(200_000))   # holds the GIL most of the time, in C
for _ in range(2):
    threading.Thread(target=spin, daemon=True).start()
print("SPINNING", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("when", ["after embed", "before embed"])
def test_audit_hook_refuses_every_session_before_any_answer(make_app, when):
    """With a hook installed, nothing is answered before its verdict: not the greeting, not
    info or stats (which need no GIL), on a busy app, for any number of sessions."""
    if when == "after embed":
        app = make_app(REFUSING_HOOK + "sys.addaudithook(hook)\n" + BUSY_GIL)
    else:  # the prologue's embed() runs after the hook is in place
        app = make_app(BUSY_GIL, embed=f"(exec({REFUSING_HOOK!r}), sys.addaudithook(hook), "
                                       "eww.embed())[-1]")
    assert app.readline() == "SPINNING"
    answered = 0
    for i in range(60):
        raw = app.raw()
        try:
            raw.hello()
            answered += 1  # a greeting before the verdict is already too much
        except ConnectionRefusedError as exc:
            assert str(exc) == "refused by an audit hook: no consoles on Fridays"
        finally:
            raw.close()
    assert answered == 0
    for argv in (["info"], ["stats"], ["help"], ["memory"], ["exec", "pass"]):
        r = app.client(*argv)
        assert r.returncode == 2, (argv, r.stdout)
        assert "refused by an audit hook: no consoles on Fridays" in r.stderr
        assert r.stdout == ""
    assert app.alive()


def test_python_m_eww_runs_a_script(tmp_path, sockdir):
    script = tmp_path / "job.py"
    script.write_text(
        "import sys, eww\n"
        "print('MAIN', __name__, sys.argv, eww.socket_path() is not None, flush=True)\n"
        "sys.exit(int(sys.argv[1]))\n"
    )
    env = dict(os.environ, EWW_SOCKET_DIR=str(sockdir))
    r = subprocess.run([sys.executable, "-m", "eww", str(script), "7", "x y"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 7, r.stderr
    assert r.stdout.strip() == f"MAIN __main__ [{str(script)!r}, '7', 'x y'] True"
    assert os.listdir(sockdir) == []  # removed at exit

    script.write_text("raise ValueError('boom')\n")
    r = subprocess.run([sys.executable, "-m", "eww", str(script)], capture_output=True,
                       text=True, env=env, timeout=30)
    assert r.returncode == 1
    assert "ValueError: boom" in r.stderr

    r = subprocess.run([sys.executable, "-m", "eww", str(tmp_path / "missing.py")],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 2 and "can't open file" in r.stderr


def test_python_m_eww_info_shows_the_scripts_argv(make_app, tmp_path):
    script = tmp_path / "server.py"
    script.write_text("import time, eww\nprint('READY', eww.socket_path(), flush=True)\n"
                      "time.sleep(60)\n")
    app = make_app(argv=[sys.executable, "-m", "eww", str(script), "--port", "8080"])
    line = app.readline()
    assert line.startswith("READY /")
    r = app.client("info", "--json")
    data = json.loads(r.stdout)
    assert data["program"] == "server.py"
    assert data["argv"] == [str(script), "--port", "8080"]


def test_demo_runs_the_real_client_and_exits_0(tmp_path, sockdir):
    env = dict(os.environ, EWW_SOCKET_DIR=str(sockdir))
    (tmp_path / "demo").write_text("print('not the tour')\n")  # a local file of that name
    r = subprocess.run([sys.executable, "-m", "eww", "demo"], capture_output=True, text=True,
                       env=client_env(env), timeout=120, cwd=tmp_path)
    assert "not the tour" not in r.stdout
    assert r.returncode == 0, r.stdout + r.stderr
    assert "$ eww --list" in r.stdout and "leakapp.py" in r.stdout
    assert re.search(r"\$ eww \d+ info\npid: +\d+\nprogram: +leakapp.py", r.stdout)
    m = re.search(r"\$ eww \d+ stats\nCounters:\n((?:  .+:\d+\n)+)Graphs:\n  Memory Usage:\d+\n",
                  r.stdout)
    assert m, r.stdout
    counters = sorted(line.rsplit(":", 1)[0].strip() for line in m.group(1).splitlines())
    assert counters == ["longest pause (ms)", "requests", "subscribers"], counters
    assert re.search(r"\$ eww \d+ memory\nProcess \(kernel\)\n  RSS now", r.stdout)
    assert re.search(r"\$ eww \d+ stats -p 'Memory Usage'\n +Memory Usage  \(\d+ points\)",
                     r.stdout)
    m = re.search(r"Chart written to Memory Usage.svg\n\(the file is (\S+)/Memory Usage.svg: "
                  r"open it in a browser\)", r.stdout)
    assert m, r.stdout
    tmp_out = m.group(1)
    assert re.search(r"\$ eww \d+ summary -n 8\n +types \|   # objects \|   total size\n", r.stdout)
    assert "(eww) diff\nBaseline set: " in r.stdout
    m = re.search(r"^ *__main__\.Handler \| +\+(\d+) \|", r.stdout, re.M)
    assert m and int(m.group(1)) > 0  # the leak, between the two diffs
    assert re.search(r"[\d,]+ of [\d,]+ __main__\.Handler are kept alive by:\n  module __main__ -> "
                     r"attribute 'bus' -> attribute 'registry' -> dict key 'request\.done' -> "
                     r"list index \*\n", r.stdout)
    assert re.search(r"Graph written to backrefs-Handler.(svg|dot) \(\d+ nodes\)\n\(the file is "
                     r"\S+/backrefs-Handler.(svg: open it in a browser|dot)\)", r.stdout)
    # a big heap answered on a snapshot, then on the live heap: the app's longest pause
    m = re.search(r"walked in [\d.]+ s on a snapshot of \+[\d.]+ MiB\)\n\n\$ eww \d+ stats "
                  r"'longest pause \(ms\)'\nlongest pause \(ms\):(\d+)\n", r.stdout)
    assert m, r.stdout
    assert "(summary: `walk live` on this connection; walking the live heap in process)" in r.stdout
    assert r.stdout.rstrip().endswith("The demo program has ended.\n(Its files were in a "
                                      "temporary folder, now removed: python -m eww demo --out "
                                      "DIR keeps them.)")
    assert not os.path.exists(tmp_out)  # nothing left behind
    assert os.listdir(sockdir) == [], r.stdout[-3000:] + r.stderr  # the demo program too
    # --out DIR: the files are written there and kept
    r = subprocess.run([sys.executable, "-m", "eww", "demo", "--out", "pics"], capture_output=True,
                       text=True, env=client_env(env), timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert os.path.getsize(tmp_path / "pics" / "Memory Usage.svg") > 1000
    assert "now removed" not in r.stdout
    # started with SIGINT ignored (the background job of a script): it still ends at Ctrl-C
    r = subprocess.run(["sh", "-c", "trap '' INT; exec \"$0\" -m eww demo", sys.executable],
                       capture_output=True, text=True, env=client_env(env), timeout=180,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert os.listdir(sockdir) == []
    r = subprocess.run([sys.executable, "-m", "eww", "demo", "--bogus"], capture_output=True,
                       text=True, env=client_env(env), timeout=120, cwd=tmp_path)
    assert r.returncode == 2 and "usage: python -m eww demo [--out DIR]" in r.stderr


def test_process_gone_is_said_plainly(make_app):
    app = make_app()
    app.proc.kill()
    app.proc.wait()
    r = app.client("info")
    assert r.returncode == 2
    assert f"eww: process {app.pid}: cannot connect to {app.path}: nobody is listening " \
           "(the process has ended)" in r.stderr


def test_python_m_eww_runs_a_module(tmp_path, sockdir):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "__init__.py").write_text("")
    (tmp_path / "svc" / "__main__.py").write_text(
        "import sys, eww\n"
        "print('MOD', __name__, sys.argv[1:], eww.socket_path() is not None, flush=True)\n"
        "sys.exit(4)\n")
    env = dict(os.environ, EWW_SOCKET_DIR=str(sockdir), PYTHONPATH=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "eww", "-m", "svc", "--flag"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 4, r.stderr
    assert r.stdout.strip() == "MOD __main__ ['--flag'] True"
