"""Heap commands on a forked snapshot of the app: the same answers as the live heap, while the
app runs on; a child the app never sees; Ctrl-C, a client that leaves and a dying app end it;
its memory is capped; one at a time (issue: heap questions without stopping the app)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading

import pytest

from conftest import CLIENT, INTERRUPT, UNDER_ASAN, client_env, frame, wait_for
from test_heap import HeapApp


def children(pid):
    """The app's child processes (of every thread: a snapshot is a child of a session
    thread)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:  # gone (ENOENT), or going (ESRCH)
        return found
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                found += [int(c) for c in f.read().split()]
        except OSError:  # a thread that ended meanwhile
            pass
    return found


def running(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def heap_app(sockdir):
    app = HeapApp(sockdir)
    yield app
    app.stop()


def rows(raw):
    status, out, err = raw.command("summary", "--json", "-n", "100000")
    assert status == 0, err
    data = json.loads(out)
    return data, {r["type"]: (r["count"], r["size_bytes"], r["unknown"]) for r in data["types"]}


def test_snapshot_answers_equal_the_live_heaps(heap_app):
    heap_app.do("store.extend(Leaky(i) for i in range(3000)); store.append({'k': store[:10]})")
    # garbage to list, kept (no automatic collection frees it between the rounds)
    heap_app.do("gc.disable(); cycle = [Weird()]; cycle.append(cycle); del cycle")
    raw = heap_app.raw()
    raw.hello()
    leaky = hex(int(out_id(raw)))
    heap_app.wait_idle()
    answers = {}
    for mode in ("live", "snapshot", "live", "snapshot"):
        status, out, err = raw.command("walk", mode)
        assert status == 0, err
        data, table = rows(raw)
        assert data["snapshot"] is (mode == "snapshot")
        chain = raw.command("chain", "Leaky", "-n", "2")
        chain_id = raw.command("chain", leaky, "-n", "1")
        backrefs = raw.command("backrefs", "Leaky", "-f", "-")
        leaking = raw.command("leaking", "-n", "5")
        garbage = raw.command("garbage")
        for r in (chain, chain_id, backrefs, leaking, garbage):
            assert r[0] == 0, r
        answers.setdefault(mode, []).append(
            (table, data["objects"], data["size_bytes"], chain[1], chain_id[1], backrefs[1],
             leaking[1], garbage[1]))
    live, snap = answers["live"], answers["snapshot"]
    assert live[0] == live[1]  # the heap did not move between rounds
    assert snap[0] == live[0]
    assert snap[1] == live[0]
    assert re.search(r"^  __main__\.Weird +1   e\.g\. 0x", live[0][-1], re.M), live[0][-1]
    assert live[0][0]["test_heap.Leaky" if "test_heap.Leaky" in live[0][0] else
                      "__main__.Leaky"][0] == 3000
    # diff's baseline, made on a snapshot, is the live heap's: no change
    raw.command("walk", "snapshot")
    assert raw.command("diff")[1].startswith("Baseline set")
    raw.command("walk", "live")
    status, out, err = raw.command("diff")
    assert status == 0 and out == "No change since the last diff.\n", (out, err)
    raw.close()


def out_id(raw):
    status, out, err = raw.command("exec", "print(id(store[1]))")
    assert status == 0, err
    return out.strip()


TICKER = """
import threading
big = [str(i) * 2 for i in range(%d)]
worst = [0.0]
def ticker():
    last = time.monotonic()
    while True:
        time.sleep(0.001)
        now = time.monotonic()
        worst[0] = max(worst[0], now - last)
        last = now
threading.Thread(target=ticker, daemon=True).start()
print("BUILT", flush=True)
time.sleep(3600)
"""


def worst_gap(raw, command):
    assert raw.command("exec", "worst[0] = 0.0")[0] == 0
    status, out, err = raw.command(*command)
    assert status == 0, err
    status, out, err = raw.command("exec", "print(worst[0])")
    assert status == 0, err
    return float(out)


@pytest.mark.skipif(UNDER_ASAN, reason="ASan's shadow memory makes fork's page-table copy "
                    "as long as a small walk; the ratio is checked in the other jobs")
def test_the_app_runs_on_while_a_snapshot_is_walked(make_app):
    app = make_app(TICKER % 2_000_000)
    assert app.readline() == "BUILT"
    raw = app.raw()
    raw.hello()
    raw.command("walk", "live")
    live = worst_gap(raw, ["summary"])
    raw.command("walk", "snapshot")
    snap = min(worst_gap(raw, ["summary"]) for _ in range(2))
    # Loose on purpose (the benchmark measures it): the live walk stops the ticker for the
    # whole walk; a snapshot only for the copy.
    assert snap < live / 3, (snap, live)
    raw.close()


INVISIBLE = """
import signal, threading
reaped, sigchld = [], [0]
signal.signal(signal.SIGCHLD, lambda *a: sigchld.__setitem__(0, sigchld[0] + 1))
def waiter():
    while True:
        try:
            reaped.append(os.wait()[0])
        except ChildProcessError:
            time.sleep(0.001)
threading.Thread(target=waiter, daemon=True).start()
def waitpid_any():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid:
                reaped.append(pid)
        except ChildProcessError:
            pass
        time.sleep(0.001)
threading.Thread(target=waitpid_any, daemon=True).start()
class Leaky:
    pass
keep = [Leaky() for _ in range(20000)]
forked = []
os.register_at_fork(before=lambda: forked.append("before"),
                    after_in_parent=lambda: forked.append("parent"),
                    after_in_child=lambda: os.write(2, b"AT-FORK HANDLER RAN IN A CHILD\\n"))
unflushed = open(sys.argv[1], "w")   # Python's buffer holds it; a copy must never flush it
unflushed.write("written once\\n")
print("WAITING", flush=True)
while True:
    time.sleep(0.05)
"""

HEAP_COMMANDS = [["summary", "-n", "3"], ["diff"], ["diff"], ["growth"], ["chain", "Leaky"],
                 ["backrefs", "Leaky", "-f", "-"], ["leaking", "-n", "2"], ["garbage"]]


def test_the_app_never_sees_the_snapshot_child(make_app, tmp_path):
    """No SIGCHLD, nothing for wait() or waitpid(-1), no at-fork handler run (neither in the
    app nor in the copy), no buffer of the app's flushed by the copy."""
    written = tmp_path / "unflushed.txt"
    app = make_app(INVISIBLE, args=[str(written)])
    assert app.readline() == "WAITING"
    raw = app.raw()
    raw.hello()
    for _ in range(3):
        for argv in HEAP_COMMANDS:
            status, out, err = raw.command(*argv)
            assert status == 0 and "in process" not in err, (argv, err)
    status, said, err = raw.command("exec", "print(reaped, sigchld[0], forked)")
    assert status == 0 and said == "[] 0 []\n", (said, err)
    assert children(app.pid) == []
    assert written.read_text() == ""  # still in the app's buffer only
    assert raw.command("exec", "unflushed.flush()")[0] == 0
    assert written.read_text() == "written once\n"
    raw.close()
    _, err = app.stop()
    assert "AT-FORK HANDLER" not in err


POOL = """
import multiprocessing, subprocess, threading
errors, work = [], [0]
def square(x):
    return x * x
def pool_user():
    with multiprocessing.get_context("fork").Pool(2) as pool:
        while True:
            try:
                assert pool.map(square, range(50)) == [x * x for x in range(50)]
                assert subprocess.run(["true"]).returncode == 0
                assert subprocess.run([sys.executable, "-c", "print(6 * 7)"],
                                      capture_output=True, text=True).stdout == "42\\n"
                work[0] += 1
            except Exception as e:
                errors.append(repr(e))
class Leaky:
    pass
keep = [Leaky() for _ in range(1000)]
threading.Thread(target=pool_user, daemon=True).start()
print("POOL", flush=True)
while True:
    time.sleep(0.05)
"""


def session(make_app, code, ready):
    """The app, once it printed `ready`, and a connection to it."""
    app = make_app(code)
    assert app.readline() == ready
    raw = app.raw()
    raw.hello()
    return app, raw


def test_multiprocessing_and_subprocess_work_on_while_snapshots_run(make_app):
    app, raw = session(make_app, POOL, "POOL")

    def work():
        status, out, err = raw.command("exec", "print(work[0], len(errors), errors[:3])")
        assert status == 0, err
        done, errs, first = out.split(" ", 2)
        assert errs == "0", first
        return int(done)

    start = work()
    for _ in range(2):
        for argv in HEAP_COMMANDS:
            status, out, err = raw.command(*argv)
            assert status == 0 and "in process" not in err, (argv, err)
    assert wait_for(lambda: work() > start, timeout=120)
    raw.close()


PREFORK = """
import signal
workers = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        keep = [object() for _ in range(1000)]
        while True:
            time.sleep(0.05)
    workers.append(pid)
print("WORKERS", *workers, flush=True)
reaped = []
signal.signal(signal.SIGUSR1, lambda *a: None)
while True:
    try:
        reaped.append(os.wait()[0])
        print("REAPED", reaped[-1], flush=True)
    except ChildProcessError:
        time.sleep(0.01)
"""


def test_a_prefork_master_and_its_workers(make_app, sockdir):
    """gunicorn's shape: a master that forks workers and loops on os.wait(). Heap commands
    in the master and in each worker (whose console started again after the fork) run on
    snapshots; the master's wait() sees its workers and nothing else."""
    app = make_app(PREFORK)
    line = app.readline().split()
    assert line[0] == "WORKERS"
    workers = [int(p) for p in line[1:]]
    for pid in [app.pid] + workers:
        assert wait_for(lambda: (sockdir / f"{pid}.sock").exists(), timeout=30)
        for argv in (["summary", "-n", "2"], ["chain", "object", "-n", "1"], ["leaking"]):
            r = subprocess.run([CLIENT, str(pid), *argv], capture_output=True, text=True,
                               timeout=120, env=app.client_env)
            assert r.returncode == 0 and "in process" not in r.stderr, (pid, argv, r.stderr)
    os.kill(workers[0], signal.SIGKILL)
    assert app.readline() == f"REAPED {workers[0]}"


SLEEPER = """
import gc
gc.disable()
class Sleeper:
    def __del__(self):      # run by `summary --collect`, in the snapshot: it stays a while
        %s
        time.sleep(%s)
s = Sleeper(); s.me = s; del s
print("BUILT", flush=True)
time.sleep(3600)
"""
SLOW = ["summary", "--collect", "-n", "1"]
SLOW_FRAME = frame(2, b"".join(a.encode() + b"\0" for a in SLOW))


def slow_app(make_app, before="pass", seconds=600, **kw):
    """An app whose `summary --collect` runs a finaliser that sleeps, in the snapshot child:
    a child that lives as long as a test needs it to."""
    app = make_app(SLEEPER % (before, seconds), **kw)
    assert app.readline() == "BUILT"
    return app


def start_slow(app):
    """A session running the slow command, and its snapshot child."""
    raw = app.raw()
    raw.hello()
    raw.send(SLOW_FRAME)
    assert wait_for(lambda: children(app.pid), timeout=60)
    return raw, children(app.pid)[0]


def test_ctrl_c_kills_the_snapshot_at_once_and_the_session_goes_on(make_app):
    app = slow_app(make_app)
    raw, child = start_slow(app)
    raw.send(frame(INTERRUPT))
    status, _, err = raw.until_done()
    assert status == 1 and "summary: stopped by the client (Ctrl-C)" in err, err
    # The child is killed and reaped before DONE is sent: gone, no zombie.
    assert not running(child) and children(app.pid) == []
    status, out, _ = raw.command("chain", "Sleeper")
    assert status == 0 and "kept alive by" in out  # the app's garbage is still there
    raw.close()
    assert app.alive()


def test_the_snapshot_yields_to_the_app(make_app):
    """On a busy machine the app's threads come first (the copy runs at nice 5 more than the app), and the
    kernel's OOM killer would take the copy, not the app (oom_score_adj 1000)."""
    app = slow_app(make_app)
    raw, child = start_slow(app)

    def nice_and_adj(pid):
        with open(f"/proc/{pid}/stat") as f:
            nice = int(f.read().rsplit(")", 1)[1].split()[16])  # field 19
        with open(f"/proc/{pid}/oom_score_adj") as f:
            return nice, int(f.read())
    app_nice, app_adj = nice_and_adj(app.pid)
    want = (min(app_nice + 5, 19), 1000)
    assert wait_for(lambda: nice_and_adj(child) == want, timeout=30), nice_and_adj(child)
    assert nice_and_adj(app.pid) == (app_nice, app_adj)  # the app's own are untouched
    raw.send(frame(INTERRUPT))
    raw.until_done()
    assert wait_for(lambda: children(app.pid) == [], timeout=30)


def test_a_client_that_leaves_ends_its_snapshot(make_app):
    app = slow_app(make_app)
    client = subprocess.Popen([CLIENT, str(app.pid), *SLOW], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=app.client_env)
    assert wait_for(lambda: children(app.pid), timeout=60)
    child = children(app.pid)[0]
    client.kill()
    client.wait()
    assert wait_for(lambda: not running(child) and children(app.pid) == [], timeout=30)
    r = app.client("summary", "-n", "1")
    assert r.returncode == 0, r.stderr
    assert app.alive()


def test_a_dying_app_takes_its_snapshot_with_it(make_app):
    app = slow_app(make_app)
    raw, child = start_slow(app)
    os.kill(app.pid, signal.SIGKILL)
    assert wait_for(lambda: not running(child), timeout=30)


def test_a_second_heap_command_waits_its_turn(make_app):
    app = slow_app(make_app)
    raw, _ = start_slow(app)
    second = subprocess.Popen([CLIENT, str(app.pid), "summary", "-n", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=app.client_env)
    # It says that it waits (while the first still runs: only its own child exists) ...
    line = second.stderr.readline()
    assert line == "(summary: waiting for another heap command to finish)\n", line
    assert len(children(app.pid)) == 1
    raw.send(frame(INTERRUPT))
    # ... and answers once the first is stopped.
    out, rest = second.communicate(timeout=120)
    assert second.returncode == 0 and "objects of" in out, rest
    raw.close()


def test_progress_lines_carry_the_snapshots_memory(make_app):
    app = slow_app(make_app, seconds=1.5)
    raw = app.raw()
    raw.hello()
    raw.send(SLOW_FRAME)
    progress = []
    status, _, err = raw.until_done(progress)
    assert status == 0, err
    assert progress, "no progress line"
    assert re.fullmatch(r"walking the heap: \d+ objects so far \(\d+ s\); snapshot \+\d+ MiB",
                        progress[0]), progress


def test_a_snapshot_past_its_memory_limit_is_stopped(make_app):
    # The finaliser, run in the snapshot, makes 200 MiB of its own there.
    app = slow_app(make_app, before='self.big = b"x" * (200 << 20)', seconds=1,
                   embed="eww.embed(snapshot_memory=64)")
    r = app.client(*SLOW, timeout=300)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "summary: stopped: the snapshot's own memory passed 64 MiB" in r.stderr, r.stderr
    assert "for 5 minutes `summary` walks in process" in r.stderr, r.stderr
    assert children(app.pid) == []
    assert app.alive()
    # A limit it would cross again: the same work walks in process at once, saying why (the
    # finaliser now runs in the app, for a second), and makes no copy.
    r = app.client(*SLOW, timeout=300)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert re.search(r"\(summary: its last snapshot came to own (6[5-9]|[7-9]\d|\d{3,}) MiB, "
                     r"and this one may have 64 MiB; walking the live heap in process\)",
                     r.stderr), r.stderr
    assert children(app.pid) == []
    # other work is not held to it
    r = app.client("leaking", "-n", "1", timeout=300)
    assert r.returncode == 0 and "walking the live heap" not in r.stderr, r.stderr


def memory_cgroup_dir():
    """This process's memory cgroup directory, when a test can make cgroups below it (root,
    cgroup v1's memory hierarchy, or v2 with the memory controller given to children)."""
    if os.geteuid() != 0:
        return None
    with open("/proc/self/cgroup") as f:
        lines = [line.rstrip("\n").split(":", 2) for line in f]
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split() for line in f]
    for m in mounts:
        fstype, opts = m[m.index("-") + 1], m[m.index("-") + 3]
        v1 = fstype == "cgroup" and "memory" in opts.split(",")
        if not (v1 or fstype == "cgroup2"):
            continue
        for hier, ctrls, path in lines:
            if (v1 and "memory" in ctrls.split(",")) or (not v1 and hier == "0"):
                root = m[3]
                rel = path[len(root):] if root != "/" and path.startswith(root) else path
                d = m[4] + (rel if rel != "/" else "")
                if v1 or "memory" in open(os.path.join(d, "cgroup.subtree_control")).read():
                    return d, v1
    return None


@pytest.fixture
def memory_cgroup():
    """limit(pid, mib): moves the process into a new memory cgroup limited to mib MiB (what
    it had charged stays where it was: the new cgroup starts empty)."""
    found = memory_cgroup_dir()
    if not found or not os.access(found[0], os.W_OK):
        pytest.skip("needs root and a memory cgroup it can make children in")
    parent, v1 = found
    made, moved = [], []

    def limit(pid, mib):
        d = os.path.join(parent, f"eww-test-{os.getpid()}-{len(made)}")
        os.mkdir(d)
        made.append(d)
        with open(os.path.join(d, "memory.limit_in_bytes" if v1 else "memory.max"), "w") as f:
            f.write(str(mib << 20))
        with open(os.path.join(d, "cgroup.procs"), "w") as f:
            f.write(str(pid))
        moved.append(pid)

    yield limit
    for pid in moved:  # back where they were, so that the cgroups can go
        try:
            with open(os.path.join(parent, "cgroup.procs"), "w") as f:
                f.write(str(pid))
        except OSError:
            pass
    for d in made:
        wait_for(lambda: not open(os.path.join(d, "cgroup.procs")).read().strip(), timeout=30)
        os.rmdir(d)


def test_too_little_room_in_the_memory_cgroup_walks_in_process(make_app, memory_cgroup):
    app = make_app("keep = [str(i) for i in range(10000)]\nprint('UP', flush=True)\n"
                   "time.sleep(3600)\n")
    assert app.readline() == "UP"
    memory_cgroup(app.pid, 40)
    r = app.client("summary", "-n", "3", timeout=120)
    assert r.returncode == 0, r.stderr
    assert re.search(r"summary: too little free memory for a snapshot \(\d+ MiB under the "
                     r"memory cgroup's limit\); walking the live heap in process", r.stderr), r.stderr
    assert "str" in r.stdout
    assert app.alive()


def test_a_snapshot_never_fills_the_apps_memory_cgroup(make_app, memory_cgroup):
    # In the snapshot, the finaliser makes 200 MiB, a MiB every 10 ms; the app's cgroup has
    # 160 MiB. The copy is stopped before the kernel has to kill in the cgroup (and if it
    # had to, it would take the copy: test_the_snapshot_yields_to_the_app).
    app = slow_app(make_app,
                   before='self.big = [b"x" * (1 << 20) for _ in range(200) if not time.sleep(0.01)]')
    memory_cgroup(app.pid, 160)
    raw, child = start_slow(app)
    status, _, err = raw.until_done()
    assert status != 0
    assert re.search(r"summary: stopped: (the app's memory cgroup had \d+ MiB left before its "
                     r"limit|the snapshot's own memory passed 12[0-9] MiB)", err), err
    assert wait_for(lambda: children(app.pid) == [], timeout=30)
    assert app.alive()
    r = app.client("exec", "print(6 * 7)", timeout=60)
    assert r.returncode == 0 and r.stdout == "42\n", (r.stdout, r.stderr)


COW = """
import threading
big = [str(i) * 2 for i in range(%d)]
buf = bytearray(64 << 20)
def writer():          # writes every page of 64 MiB, again and again
    while True:
        for i in range(0, len(buf), 4096):
            buf[i] = (buf[i] + 1) & 255
threading.Thread(target=writer, daemon=True).start()
print("BUILT", flush=True)
time.sleep(3600)
"""


def test_summary_says_how_much_memory_its_snapshot_took(make_app):
    """While the copy lives, each page the app writes (here a thread rewriting 64 MiB) is
    copied, and the old one becomes the copy's own: summary reports the copy's own memory
    (the benchmark measures how much)."""
    app = make_app(COW % (200_000 if UNDER_ASAN else 1_000_000))
    assert app.readline() == "BUILT"
    r = app.client("summary", "-n", "1", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["snapshot"] is True and data["snapshot_bytes"] > 0
    r = app.client("summary", "-n", "1")
    assert re.search(r"on a snapshot of \+\d+\.\d MiB\)$", r.stdout.splitlines()[-1]), r.stdout


STUCK = """
import gc, threading
gc.disable()
held = threading.Lock()
held.acquire()          # held for good by the main thread
class Garbage:
    def __del__(self):
        # In a snapshot, the lock's holder does not exist: this would wait its whole
        # timeout on a futex. In the app it just times out.
        print("DEL", held.acquire(timeout=3), flush=True)
g = Garbage(); g.me = g; del g
print("READY2", flush=True)
time.sleep(3600)
"""


def test_a_snapshot_that_waits_on_a_lock_is_given_up_for_the_live_heap(make_app):
    app = make_app(STUCK)
    assert app.readline() == "READY2"
    r = app.client("summary", "-n", "2", "--collect", timeout=120)
    assert r.returncode == 0 and "objects of" in r.stdout, r.stderr
    assert ("(summary: the snapshot waited on a lock another thread held at the copy; walking "
            "the live heap in process)") in r.stderr, r.stderr
    assert app.readline() == "DEL False"  # the collection then ran in the app itself
    assert children(app.pid) == []


def test_snapshots_off_walk_in_process_and_say_so(make_app):
    app = make_app("time.sleep(600)", embed="eww.embed(snapshot=False)")
    r = app.client("summary", "-n", "2")
    assert r.returncode == 0 and "objects of" in r.stdout
    assert r.stderr == ("(summary: snapshots are off (embed(snapshot=False)); walking the live "
                        "heap in process)\n")
    r = app.client("walk")
    assert r.stdout == "Heap commands walk the live heap in the app (the GIL held meanwhile).\n"
    r = app.client("walk", "snapshot")
    assert r.returncode == 1 and "snapshots are off for this app" in r.stderr
    r = app.client("walk", "sideways")
    assert r.returncode == 1 and "takes snapshot or live" in r.stderr


@pytest.mark.parametrize("options,message", [
    ("snapshot_memory=8", "snapshot_memory must be a number of MiB from 16"),
    ("snapshot_memory=2.5", "snapshot_memory must be a number of MiB (an int) or None"),
    ("snapshot='yes'", "snapshot must be True or False"),
])
def test_bad_snapshot_options_are_refused(make_app, options, message):
    r = subprocess.run(
        [sys.executable, "-c", f"import eww; eww.embed({options})"],
        capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and message in r.stderr, r.stderr


WHERE = """
import tracemalloc
tracemalloc.start(5)
class Made:
    __slots__ = ("x",)   # CPython 3.11 cannot trace instances with inline attributes
def make(n):
    return [Made() for _ in range(n)]
kept = make(300)
print("BUILT", flush=True)
time.sleep(3600)
"""


def test_where_finds_the_same_allocation_sites_on_a_snapshot(make_app):
    app, raw = session(make_app, WHERE, "BUILT")
    snap = raw.command("where", "Made")
    raw.command("walk", "live")
    live = raw.command("where", "Made")
    assert snap[0] == 0 and "in process" not in snap[2], snap
    assert live[0] == 0 and "walking the live heap in process" in live[2], live
    assert snap[1] == live[1]
    assert snap[1].startswith("300 __main__.Made allocated at (most recent call last):\n")
    raw.close()


LRU = """
import functools
@functools.lru_cache(maxsize=128)  # bounded: a linked list of _lru_list_elem
def square(x):
    return x * x
for i in range(100):
    square(i)
print("BUILT", flush=True)
time.sleep(3600)
"""


def test_a_type_cpython_never_readied_is_sized_on_a_snapshot(make_app):
    """3.9's functools._lru_list_elem is a C type only C code uses, never readied: it is sized
    as the interpreter would size it (object.__sizeof__), not left unknown."""
    app, raw = session(make_app, LRU, "BUILT")
    data, table = rows(raw)
    assert data["snapshot"] is True and data["unknown"] == 0, data
    if sys.version_info[:2] == (3, 9):
        assert table["functools._lru_list_elem"][0] >= 100
    raw.command("walk", "live")
    assert rows(raw)[1] == table
    raw.close()


WSGI = '''
import os
import eww

eww.embed()


class Visit:
    def __init__(self, path):
        self.path = path


visits = []


def app(environ, start_response):
    visits.append(Visit(environ["PATH_INFO"]))  # a leak, as a user would hunt it
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok %d\\n" % os.getpid()]
'''


def http_get(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    s.sendall(b"GET /x HTTP/1.0\r\nHost: t\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def test_gunicorn_master_and_workers_serve_on_while_snapshots_run(tmp_path, sockdir):
    """Real gunicorn (--preload: the console starts in the master, and again in each worker
    it forks). The master reaps workers with waitpid(-1) from its SIGCHLD handler: heap
    commands on snapshots in the master and in each worker never make it lose a worker, and
    the workers serve requests all along."""
    pytest.importorskip("gunicorn")
    (tmp_path / "wsgiapp.py").write_text(WSGI)
    http = str(tmp_path / "http.sock")
    env = dict(os.environ, EWW_SOCKET_DIR=str(sockdir), PYTHONPATH=str(tmp_path))
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-w", "2", "-b", f"unix:{http}",
         "--graceful-timeout", "5", "wsgiapp:app"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        start_new_session=True)
    try:
        assert wait_for(lambda: os.path.exists(http) and len(children(master.pid)) == 2,
                        timeout=60)
        workers = sorted(children(master.pid))
        for pid in [master.pid] + workers:
            assert wait_for(lambda: (sockdir / f"{pid}.sock").exists(), timeout=30)
        served, failures, stop = [0], [], threading.Event()

        def load():
            while not stop.is_set():
                try:
                    assert http_get(http).startswith(b"HTTP/1.0 200")
                    served[0] += 1
                except Exception as e:  # noqa: BLE001 - every failure is reported
                    failures.append(repr(e))

        t = threading.Thread(target=load)
        t.start()
        try:
            for pid in [master.pid] + workers:
                for argv in (["summary", "-n", "3"], ["growth"], ["chain", "Visit", "-n", "1"],
                             ["leaking", "-n", "2"]):
                    r = subprocess.run([CLIENT, str(pid), *argv], capture_output=True,
                                       text=True, timeout=120, env=client_env(env))
                    ok = r.returncode == 0 or "no live " in r.stderr  # the master serves none
                    assert ok and "in process" not in r.stderr, (pid, argv, r.stderr)
            before = served[0]
            assert wait_for(lambda: served[0] > before + 10, timeout=60)
        finally:
            stop.set()
            t.join()
        assert failures == [], failures[:3]
        assert sorted(p for p in children(master.pid) if p in workers) == workers
    finally:
        os.killpg(master.pid, signal.SIGTERM)
        out, err = master.communicate(timeout=60)
    # until the test ended it, the master lost no worker and booted none again
    served_part = err.split("Handling signal: term")[0]
    assert "Handling signal: term" in err, err
    assert "exited" not in served_part and "was sent" not in served_part, err
    assert served_part.count("Booting worker") == 2, err


def test_an_app_that_forks_while_a_snapshot_runs_has_a_free_slot_in_its_child(make_app):
    """The app forks while a session holds the one-snapshot-at-a-time slot: that session's
    thread does not exist in the app's child, whose console answers heap commands at once."""
    code = (SLEEPER % ("pass", 600)).replace(
        "time.sleep(3600)",
        "sys.stdin.readline()\npid = os.fork()\nif pid == 0:\n    time.sleep(3600)\n"
        "print('FORKED', pid, flush=True)\ntime.sleep(3600)")
    app = make_app(code, stdin=subprocess.PIPE)
    assert app.readline() == "BUILT"
    raw, _ = start_slow(app)  # holds the slot: its copy sleeps in a finaliser
    app.proc.stdin.write("fork\n")
    app.proc.stdin.flush()
    line = app.readline().split()
    assert line[0] == "FORKED"
    forked = int(line[1])
    assert wait_for(lambda: (app.sockdir / f"{forked}.sock").exists(), timeout=30)
    r = subprocess.run([CLIENT, str(forked), "summary", "-n", "1"], capture_output=True,
                       text=True, timeout=60, env=app.client_env)
    assert r.returncode == 0 and "waiting" not in r.stderr, r.stderr
    raw.send(frame(INTERRUPT))
    assert raw.until_done()[0] == 1
    raw.close()
    os.kill(forked, signal.SIGKILL)
