"""The console's threads over the app's life: GIL-free answers, idleness, fork, exit."""

import os
import select
import signal
import statistics
import subprocess
import sys
import time

from conftest import CLIENT, Raw, wait_for


def test_info_answered_while_main_thread_holds_the_gil(make_app):
    # sum() over a range runs in C and never releases the GIL: no Python thread can run.
    app = make_app(
        """
        print("BUSY", flush=True)
        sum(range(10**10))
        print("DONE", flush=True)
        """
    )
    assert app.readline() == "BUSY"
    time.sleep(0.2)  # well inside the C call
    for _ in range(10):
        r = Raw(app.path)
        hello = r.hello()
        status, out, _ = r.command("info")
        r.close()
        assert status == 0 and f"pid:         {app.pid}" in out
        assert hello["pid"] == str(app.pid)
    r = app.client("info")  # the real client, a fresh process and connection
    assert r.returncode == 0
    # every answer came while the app was still inside sum(): it never printed DONE
    readable, _, _ = select.select([app.proc.stdout], [], [], 0)
    assert readable == [] and app.alive()
    # (how fast: bench/bench_info_latency.py; a timing here would fail on a loaded machine)


def eww_thread_switches(pid):
    total = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            if not name.startswith("eww-"):
                continue
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            total[(tid, name)] = int(fields["voluntary_ctxt_switches"]) + int(
                fields["nonvoluntary_ctxt_switches"])
        except FileNotFoundError:
            pass
    return total


def test_idle_console_makes_no_wakeups(app):
    idle_session = app.raw()
    idle_session.hello()  # a connected client that sends nothing more
    assert app.client("info").returncode == 0
    # the info session's thread ends soon after its client (later on a loaded machine)
    assert wait_for(lambda: sorted(n for _, n in eww_thread_switches(app.pid)) ==
                    ["eww-audit", "eww-listen", "eww-session"], timeout=30)
    # settled: every thread back asleep (two readings 0.3 s apart agree), then 2 s idle
    def settled():
        first = eww_thread_switches(app.pid)
        time.sleep(0.3)
        return first == eww_thread_switches(app.pid)
    assert wait_for(settled, timeout=30)
    before = eww_thread_switches(app.pid)
    names = sorted(name for _, name in before)
    assert names == ["eww-audit", "eww-listen", "eww-session"], names
    time.sleep(2.0)
    after = eww_thread_switches(app.pid)
    assert after == before
    idle_session.close()


def test_fork_child_gets_its_own_console(make_app):
    app = make_app(
        """
        # Both processes write at once and stdout is unbuffered: one write() per line, which
        # a pipe keeps whole (print would write each word on its own).
        pid = os.fork()
        if pid == 0:
            os.write(1, f"CHILD {os.getpid()} {eww.socket_path()}\\n".encode())
            time.sleep(60)
            os._exit(0)
        os.write(1, f"PARENT {eww.socket_path()}\\n".encode())
        time.sleep(60)
        """
    )
    lines = sorted([app.readline(), app.readline()])
    child_pid = int(lines[0].split()[1])
    child_path = lines[0].split()[2]
    assert lines[1] == f"PARENT {app.path}"
    assert child_path == os.path.join(os.path.dirname(app.path), f"{child_pid}.sock")
    r = app.client("info", "--json")
    assert r.returncode == 0 and f'"pid": {app.pid}' in r.stdout
    r = subprocess.run([CLIENT, str(child_pid), "info", "--json"], capture_output=True,
                       text=True, env=app.client_env, timeout=30)
    assert r.returncode == 0 and f'"pid": {child_pid}' in r.stdout
    os.kill(child_pid, signal.SIGKILL)


def test_fork_with_a_session_open_does_not_share_it(make_app):
    app = make_app(
        """
        print("WAITING", flush=True)
        time.sleep(1.0)  # the test connects a session meanwhile
        pid = os.fork()
        if pid == 0:
            print("CHILD", os.getpid(), flush=True)
            time.sleep(60)
            os._exit(0)
        time.sleep(60)
        """
    )
    assert app.readline() == "WAITING"
    session = app.raw()
    session.hello()
    child_pid = int(app.readline().split()[1])
    # the session still talks to the parent, and the parent only
    status, out, _ = session.command("info")
    assert status == 0 and f"pid:         {app.pid}" in out
    assert "sessions:    1 of" in out
    r = subprocess.run([CLIENT, str(child_pid), "info"], capture_output=True, text=True,
                       env=app.client_env, timeout=30)
    assert r.returncode == 0 and "sessions:    1 of" in r.stdout  # only this new one
    session.close()
    os.kill(child_pid, signal.SIGKILL)


def test_multiprocessing_prefork_workers(make_app):
    app = make_app(
        """
        import multiprocessing as mp

        def worker(q):
            q.put((os.getpid(), eww.socket_path()))
            time.sleep(60)

        ctx = mp.get_context("fork")
        q = ctx.Queue()
        procs = [ctx.Process(target=worker, args=(q,), daemon=True) for _ in range(3)]
        for p in procs:
            p.start()
        for _ in procs:
            pid, path = q.get(timeout=30)
            print("WORKER", pid, path, flush=True)
        time.sleep(60)
        """
    )
    workers = [app.readline().split() for _ in range(3)]
    pids = {int(w[1]) for w in workers}
    assert len(pids) == 3
    for _, pid, path in workers:
        assert path.endswith(f"/{pid}.sock")
        r = subprocess.run([CLIENT, pid, "info", "--json"], capture_output=True, text=True,
                           env=app.client_env, timeout=30)
        assert r.returncode == 0 and f'"pid": {pid}' in r.stdout
    r = app.client("info", "--json")
    assert r.returncode == 0 and f'"pid": {app.pid}' in r.stdout
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    assert app.client("info").returncode == 0


def test_exit_with_a_connected_client(make_app):
    app = make_app(
        """
        print("WAITING", flush=True)
        time.sleep(1.0)
        print("EXITING", flush=True)
        sys.exit(3)
        """
    )
    assert app.readline() == "WAITING"
    client = subprocess.Popen([CLIENT, str(app.pid)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=app.client_env)
    assert client.stdout.readline().startswith(b"Welcome")
    session = app.raw()
    session.hello()
    assert app.readline() == "EXITING"
    start = time.monotonic()
    status = app.proc.wait(timeout=10)
    assert time.monotonic() - start < 2.0
    assert status == 3
    assert not os.path.exists(app.path)
    # the interactive client notices and leaves on its own
    client.stdin.write(b"info\n")
    client.stdin.flush()
    assert client.wait(timeout=10) == 2
    assert b"closed the connection" in client.stderr.read()
    session.close()


def test_list_shows_running_apps_and_prunes_stale_sockets(make_app, sockdir):
    a = make_app()
    b = make_app()
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait()
    assert os.path.exists(b.path)  # a killed app cannot clean up after itself
    r = a.client("--list", pid=False)
    assert r.returncode == 0, r.stderr
    assert f"removed stale socket {b.path} (process {b.pid} is gone)" in r.stderr
    assert not os.path.exists(b.path)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["PID", "PROGRAM", "UPTIME", "RSS", "PYTHON"]
    row = [line for line in lines if line.split()[0] == str(a.pid)]
    assert len(row) == 1
    assert row[0].split()[1] == "python3.11" or row[0].split()[1].startswith("python")
    assert "MiB" in row[0]
    assert sys.version.split()[0] in row[0]


def test_embed_prunes_stale_sockets_of_dead_processes(make_app, sockdir):
    dead = make_app()
    dead.proc.send_signal(signal.SIGKILL)
    dead.proc.wait()
    assert os.path.exists(dead.path)
    make_app()
    assert not os.path.exists(dead.path)
