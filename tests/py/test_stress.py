"""The app never suffers for hosting eww: every heap command, again and again, against busy
apps whose threads allocate and free all the time, with classes whose Python __getattr__,
__repr__ and __sizeof__ allocate, release the GIL or raise; linear walks on shapes that were
quadratic; Ctrl-C and a client that leaves stop a long command (issue: the app never suffers).
"""

import re
import time

import pytest

from conftest import DONE, ERROR, INTERRUPT, UNDER_ASAN, frame, wait_for

BUSY = """
import enum, threading, gc
errors, work = [], [0]
# 2,000 Enum classes: every one has a metaclass with Python code in it
enums = [enum.Enum("E%d" % i, ["A", "B", "C"]) for i in range(2000)]
class Meta(type):
    def __getattr__(cls, name):
        junk = [object() for _ in range(10)]
        raise AttributeError(name)
class Odd(metaclass=Meta):
    def __init__(self, i):
        self.i = i
        self.peer = None
    def __repr__(self):
        time.sleep(0)          # lets the GIL go
        return "Odd(%d)" % self.i
    def __sizeof__(self):
        time.sleep(0)
        return 48
class Raising:
    def __repr__(self):
        raise ValueError("no repr")
    def __sizeof__(self):
        raise RuntimeError("no size")
keep = [Odd(i) for i in range(30)] + [Raising() for _ in range(50)]
for a, b in zip(keep, keep[1:]):
    if isinstance(a, Odd):
        a.peer = b
{extra}
def gen():
    for i in range(20):
        yield i
def worker():
    while True:
        try:
            t = tuple(gen())                      # a tuple resized while it is built
            d = {{i: str(i) for i in range(50)}}
            cyc = [d]; cyc.append(cyc)            # cyclic garbage too
            work[0] += 1
        except Exception as e:
            errors.append(repr(e))
            print("APPERR", repr(e), flush=True)
for _ in range(3):
    threading.Thread(target=worker, daemon=True).start()
print("BUSY", flush=True)
while True:
    time.sleep(0.05)
"""

FLASK = """
from flask import Flask
web = Flask("stressweb")
@web.route("/")
def index():
    return {"x": list(range(50))}
client = web.test_client()
def serve():
    while True:
        try:
            assert client.get("/").status_code == 200
            work[0] += 1
        except Exception as e:
            errors.append(repr(e))
            print("APPERR", repr(e), flush=True)
threading.Thread(target=serve, daemon=True).start()
"""

COMMANDS = [
    ["summary", "-n", "5"], ["chain", "Task", "-n", "2"], ["diff"], ["diff"], ["growth"], ["garbage"], ["leaking", "-n", "3"],
    ["chain", "Odd"], ["chain", "dict", "-n", "3"], ["chain", "nosuchtype"], ["chain", "tuple"],
    ["backrefs", "Odd", "-f", "-"], ["backrefs", "Raising", "-f", "-"],
    ["hunt", "--for", "1", "--every", "0.25", "-n", "2"],
]


def work_done(app):
    r = app.client("exec", "print(work[0], len(errors))")
    assert r.returncode == 0, r.stderr
    done, errs = map(int, r.stdout.split())
    return done, errs


ASYNCIO = """
import asyncio
async def task(i):
    while True:
        data = [str(i)] * 20
        await asyncio.sleep(0.001 * (i % 7))
        work[0] += 1
async def main():
    await asyncio.gather(*(task(i) for i in range(3000)))
threading.Thread(target=asyncio.run, args=(main(),), daemon=True).start()
"""


@pytest.mark.parametrize("extra", ["", FLASK, ASYNCIO], ids=["threads", "flask", "asyncio"])
def test_every_heap_command_on_a_busy_app(make_app, extra):
    if extra:
        pytest.importorskip("flask")
    app = make_app(BUSY.replace("{extra}", extra).replace("{{", "{").replace("}}", "}"))
    assert app.readline() == "BUSY"
    before, _ = work_done(app)
    rounds = 1 if UNDER_ASAN else 2
    for _ in range(rounds):
        for argv in COMMANDS:
            r = app.client(*argv, timeout=300)
            assert r.returncode == 0 or (r.returncode == 1 and "no live object of a type "
                                         "named" in r.stderr), (argv, r.returncode, r.stderr)
            assert app.alive(), (argv, app.stop())
    assert work_done(app)[1] == 0, app.client("exec", "print(errors[:5])").stdout
    # its work goes on (counted again until it has moved: no sleep as synchronisation)
    assert wait_for(lambda: work_done(app)[0] > before, timeout=120)
    assert work_done(app)[1] == 0
    out, err = app.stop()
    assert "APPERR" not in out and "SystemError" not in err, (out[-2000:], err[-2000:])


def test_chains_of_a_linked_list_are_linear(make_app):
    # 5,000 nodes froze an app for a minute before; 200,000 answer in about a second now
    app = make_app("""
class Node:
    def __init__(self, nxt):
        self.next = nxt
head = None
for i in range(200_000):
    head = Node(head)
deep = None
for i in range(300_000):
    deep = [deep]
print("BUILT", flush=True)
time.sleep(600)
""")
    assert app.readline() == "BUILT"
    r = app.client("chain", "Node", timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("200,000 of 200,000 __main__.Node are kept alive by:\n") or \
        "module __main__ -> attribute 'head' -> attribute 'next' (repeated)" in r.stdout, r.stdout
    assert "attribute 'head' -> attribute 'next' (repeated)" in r.stdout
    r = app.client("chain", "list", "-n", "2", timeout=300)
    assert r.returncode == 0 and "attribute 'deep' -> list index * (repeated)" in r.stdout
    r = app.client("backrefs", "Node", "-f", "-", timeout=300)
    assert r.returncode == 0
    assert app.alive()


HUGE = """
import threading
class Node:
    def __init__(self, nxt):
        self.next = nxt
head = None
for i in range(5_000_000):
    head = Node(head)
deep = None
for i in range(1_000_000):
    deep = [deep]
errors, work = [], [0]
def worker():
    while True:
        try:
            d = {i: [str(i)] for i in range(100)}
            cyc = [d]; cyc.append(cyc)
            work[0] += 1
        except Exception as e:
            errors.append(repr(e))
threading.Thread(target=worker, daemon=True).start()
print("BUILT", flush=True)
time.sleep(3600)
"""


def test_every_heap_command_on_a_5m_node_list_and_a_1m_deep_nesting(make_app):
    # The sizes: a 5,000,000-node linked list and a 1,000,000-deep nesting of lists,
    # with a thread allocating beside them. No recursion in a walk, no quadratic step: every
    # command answers (about 1 to 6 s each here), the app lives and its work goes on.
    app = make_app(HUGE)
    assert app.readline() == "BUILT"
    before, _ = work_done(app)
    for argv in COMMANDS + [["chain", "Node"], ["chain", "list", "-n", "2"],
                            ["backrefs", "Node", "-f", "-"], ["backrefs", "list", "-f", "-"]]:
        r = app.client(*argv, timeout=600)
        assert r.returncode == 0 or (r.returncode == 1 and "no live object of a type "
                                     "named" in r.stderr), (argv, r.returncode, r.stderr)
        assert app.alive(), (argv, app.stop())
        if argv == ["chain", "Node"]:
            assert "of 5,000,000 __main__.Node are kept alive by:\n  module __main__ -> " \
                "attribute 'head' -> attribute 'next' (repeated)" in r.stdout, r.stdout
        if argv[:2] == ["chain", "list"]:
            assert "attribute 'deep' -> list index * (repeated)" in r.stdout, r.stdout
        if argv[0] == "summary":
            assert re.search(r"__main__\.Node \| +5000000 \|", r.stdout), r.stdout
    assert wait_for(lambda: work_done(app)[0] > before, timeout=120)
    assert work_done(app)[1] == 0
    out, err = app.stop()
    assert "Traceback" not in err, err[-2000:]


BIG = """
import threading
big = [str(i) * 2 for i in range(2_000_000)]
tick = [0]
def ticker():
    while True:
        tick[0] += 1
        time.sleep(0.001)
threading.Thread(target=ticker, daemon=True).start()
print("BUILT", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("argv", [["chain", "str"], ["summary"], ["leaking"],
                                  ["backrefs", "str", "-f", "-"]])
def test_ctrl_c_stops_a_long_heap_command(make_app, argv):
    app = make_app(BIG)
    assert app.readline() == "BUILT"
    raw = app.raw()
    raw.hello()
    # the command and a Ctrl-C right behind it: the walk sees it at its first check
    raw.send(frame(2, b"".join(a.encode() + b"\0" for a in argv)) + frame(INTERRUPT))
    err = b""
    while True:
        ftype, payload = raw.recv_frame()
        if ftype == ERROR:
            err += payload
        elif ftype == DONE:
            status = payload[0]
            break
    assert status == 1 and b"stopped by the client (Ctrl-C)" in err, err
    # the session goes on
    status, out, _ = raw.command("info")
    assert status == 0 and "pid" in out
    raw.close()
    assert app.alive()


def test_a_client_that_leaves_stops_a_long_command(make_app):
    app = make_app(BIG)
    assert app.readline() == "BUILT"
    for _ in range(3):
        raw = app.raw()
        raw.hello()
        raw.send(frame(2, b"chain\0str\0"))
        raw.close()
    # the sessions end (their walks stop at the next check) and the console answers
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r = app.client("info")
        m = re.search(r"sessions: +(\d+)", r.stdout)
        if r.returncode == 0 and m and int(m.group(1)) <= 1:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(r.stdout)
    assert app.alive()


def test_leaking_leaves_nothing_behind(make_app):
    # its result list once held itself (a cycle): the objects it listed stayed referenced by it
    app = make_app("""
import ctypes
class Token:
    pass
t = Token()
ctypes.pythonapi.Py_IncRef(ctypes.py_object(t))   # a reference held only by "C code"
tid = id(t)
del t
print("SET", flush=True)
time.sleep(600)
""")
    assert app.readline() == "SET"
    refcount = "import ctypes; print(ctypes.c_ssize_t.from_address(tid).value)"
    assert app.client("exec", refcount).stdout == "1\n"
    for _ in range(2):
        assert app.client("leaking").returncode == 0
        assert app.client("exec", refcount).stdout == "1\n"
    r = app.client("chain", "Token")
    assert "nothing refers to it: a reference held by C code" in r.stdout, r.stdout


def test_every_command_leaves_the_apps_objects_as_they_were(make_app):
    """After every command an idle diff stays exactly empty: nothing of eww stays behind."""
    app = make_app("""
import gc
class Handler:
    def __init__(self, i):
        self.i = i
        self.tags = [str(i)]
registry = {"bucket": [Handler(i) for i in range(200)]}
gc.collect()
print("SETTLED", flush=True)
time.sleep(600)
""")
    assert app.readline() == "SETTLED"
    [hid] = app.client("exec", "print(hex(id(registry['bucket'][7])))").stdout.split()
    commands = [["info"], ["help"], ["stats"], ["memory"], ["summary"], ["growth"],
                ["garbage"], ["leaking"], ["chain", "Handler"], ["chain", hid],
                ["backrefs", "Handler", "-f", "-"], ["backrefs", hid, "-f", "-"],
                ["where", "Handler"], ["exec", "x = [Handler(0)]; print(len(x))"],
                ["hunt", "--for", "0.5", "--every", "0.25"], ["size", "Handler"],
                ["size", hid], ["refs", hid]]
    for argv in commands:  # once first: what a command imports the first time stays
        assert app.client(*argv).returncode in (0, 1)
    watcher = app.raw()
    watcher.hello()
    watcher.command("diff")
    assert watcher.command("diff")[1] == "No change since the last diff.\n"
    for argv in commands:
        r = app.client(*argv)
        assert r.returncode in (0, 1), (argv, r.stderr)
        assert watcher.command("diff")[1] == "No change since the last diff.\n", argv


def test_chain_finds_a_young_referrer_held_by_c_code(make_app):
    """An old object kept only by a bound method younger than the last collection (held by a
    reference from C that no traverse shows): the chain names the method at once, no
    gc.collect() needed."""
    app = make_app("""
import ctypes, gc
class Token:
    def close(self):
        pass
t = Token()
gc.collect()                 # t is in the oldest generation now
m = t.close                  # a bound method in the youngest generation,
ctypes.pythonapi.Py_IncRef(ctypes.py_object(m))  # held by C code
del m
print(hex(id(t)), flush=True)
del t
time.sleep(600)
""")
    tid = app.readline()
    r = app.client("chain", tid)
    assert r.returncode == 0
    assert r.stdout == f"a method that nothing refers to -> __self__ -> __main__.Token at {tid}\n"
