"""What objects leak? The heap engine through the console: summary and diff (issue: heap)."""

import json
import subprocess
import time

import pytest

from conftest import PROGRESS, App, frame

APP = """
import gc, threading
class Leaky:
    def __init__(self, i):
        self.i = i
        self.name = "leaky"
class Weird:
    pass
store = []
def serve():
    # Statements arrive as bytes (os.read: no str of the reader's buffers, whatever moment a
    # walk catches this thread in) and their text lives only while it runs, so the strs the
    # tests count are the app's own.
    pending = b""
    while True:
        while b"\\n" not in pending:
            chunk = os.read(0, 65536)
            if not chunk:
                return
            pending += chunk
        statement, _, pending = pending.partition(b"\\n")
        exec(statement.decode().replace("\\\\n", "\\n"), globals())
        del statement
        print("DONE", flush=True)
serve()
"""


class HeapApp(App):
    """The app runs the Python statements the test writes to its stdin, one a line."""

    def __init__(self, sockdir, **kw):
        super().__init__(sockdir, APP, stdin=subprocess.PIPE, **kw)
        self.do("pass")  # the loop has read once: its lazy imports are done before a test
    def do(self, statement):
        self.proc.stdin.write(statement.replace("\n", "\\n") + "\n")
        self.proc.stdin.flush()
        line = self.readline()
        assert line == "DONE", (line, self.proc.stderr.read() if not line else "")
        self.wait_idle()

    def wait_idle(self):
        """Until the main thread waits in read(0, ...) again. Seeing DONE is not enough: the
        thread is still inside print() then (a bound method and an argument tuple alive),
        and on a loaded machine a walk can catch it there and the next one not."""
        deadline = time.monotonic() + 30
        while True:
            with open(f"/proc/{self.pid}/syscall") as f:
                if f.read().startswith("0 0x0 "):  # read(2) on fd 0
                    return
            assert time.monotonic() < deadline, "the app never went back to reading stdin"
            time.sleep(0.005)


@pytest.fixture
def heap_app(sockdir):
    app = HeapApp(sockdir)
    yield app
    app.stop()


def summary(raw, *args):
    status, out, err = raw.command("summary", "--json", "-n", "100000", *args)
    assert status == 0, err
    data = json.loads(out)
    return data, {row["type"]: row for row in data["types"]}


def exec_value(raw, code):
    status, out, err = raw.command("exec", code)
    assert status == 0, out + err
    return out.split()


def test_summary_table_and_totals(heap_app):
    r = heap_app.client("summary", "-n", "5")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split("|")[1:] == ["   # objects ", "   total size"]
    assert set(lines[1].replace("|", "").replace(" ", "")) == {"="}
    assert len(lines) == 2 + 5 + 1
    assert "objects of" in lines[-1] and "in all (walked in" in lines[-1]
    r = heap_app.client("summary", "--sort", "count", "-n", "3")
    counts = [int(line.split("|")[1]) for line in r.stdout.splitlines()[2:5]]
    assert counts == sorted(counts, reverse=True)
    for args, message in [(["-n", "0"], "-n takes a number of rows"),
                          (["--sort", "name"], "--sort takes size or count"),
                          (["--bogus"], "unknown option '--bogus'")]:
        r = heap_app.client("summary", *args)
        assert r.returncode == 1 and message in r.stderr


def test_sizes_are_exactly_sys_getsizeof(heap_app):
    heap_app.do("store.extend(Leaky(i) for i in range(1000))")
    heap_app.do("store.extend(bytearray(i) for i in range(500))")
    heap_app.do("store.extend(str(i) * (i % 7) + 'é' * (i % 3) for i in range(3000))")
    raw = heap_app.raw()
    raw.hello()
    exec_value(raw, "print(1)")  # the first exec imports the REPL's modules: do it before
    data, rows = summary(raw)
    expected = exec_value(raw, "import gc, sys\n"
                          "m = __import__('__main__')\n"
                          "L = [o for o in gc.get_objects() if type(o) is m.Leaky]\n"
                          "B = [o for o in m.store if type(o) is bytearray]\n"
                          "print(len(L), sum(map(sys.getsizeof, L)), len(B), "
                          "sum(map(sys.getsizeof, B)))")
    assert rows["__main__.Leaky"]["count"] == int(expected[0]) == 1000
    assert rows["__main__.Leaky"]["size_bytes"] == int(expected[1])
    assert rows["bytearray"]["count"] == int(expected[2]) == 500  # untracked: gc never lists them
    assert rows["bytearray"]["size_bytes"] == int(expected[3])
    assert data["unknown"] == 0
    # every str the app holds in `store` is counted with its exact size
    n_before, size_before = rows["str"]["count"], rows["str"]["size_bytes"]
    heap_app.do("store.extend(str(i) * 3 + 'ß' for i in range(10000, 12000))")
    data, rows = summary(raw)
    added = exec_value(raw, "import sys\nm = __import__('__main__')\n"
                       "print(sum(map(sys.getsizeof, m.store[-2000:])))")
    assert rows["str"]["count"] - n_before == 2000
    assert rows["str"]["size_bytes"] - size_before == int(added[0])


def test_idle_diff_is_empty_and_a_leak_is_exact(heap_app):
    raw = heap_app.raw()
    raw.hello()
    status, out, _ = raw.command("diff")
    assert status == 0 and out.startswith("Baseline set: ")
    for _ in range(3):
        assert raw.command("diff")[1] == "No change since the last diff.\n"
    heap_app.do("store.extend(Leaky(1) for i in range(10000))")
    status, out, _ = raw.command("diff")
    lines = out.splitlines()
    row = [line for line in lines if line.split("|")[0].strip() == "__main__.Leaky"]
    assert len(row) == 1 and row[0].split("|")[1].strip() == "+10000"
    assert raw.command("diff")[1] == "No change since the last diff.\n"
    heap_app.do("del store[:5000]")
    out = raw.command("diff")[1]
    row = [line for line in out.splitlines() if "__main__.Leaky" in line]
    assert row[0].split("|")[1].strip() == "-5000" and " -" in row[0].split("|")[2]


def test_strs_leaked_into_an_existing_list_are_seen(heap_app):
    raw = heap_app.raw()
    raw.hello()
    raw.command("diff")
    heap_app.do("store.extend(str(i) + '-leaked' for i in range(5000))")
    out = raw.command("diff")[1]
    row = [line for line in out.splitlines() if line.split("|")[0].strip() == "str"]
    assert row and int(row[0].split("|")[1]) == 5000  # untracked: objgraph never sees these


def test_frozen_and_untracked_objects_are_seen(heap_app):
    raw = heap_app.raw()
    raw.hello()
    heap_app.do("frozen_list = [Weird() for _ in range(1000)]; gc.freeze()")
    heap_app.do("store.append({'key': 'a leaked string held by an untracked dict'})")
    heap_app.do("assert not gc.is_tracked(store[-1])")
    heap_app.do("assert not any(type(o) is Weird for o in gc.get_objects())")  # frozen
    data, rows = summary(raw)
    assert rows["__main__.Weird"]["count"] == 1000
    size = exec_value(raw, "import sys\n"
                      "print(sum(map(sys.getsizeof, __import__('__main__').frozen_list)))")
    assert rows["__main__.Weird"]["size_bytes"] == int(size[0])


def test_no_side_effects_on_the_heap(heap_app):
    heap_app.do("store.extend(Leaky(i) for i in range(2000))")
    heap_app.do("marks = [None] * 4")
    heap_app.do("def snap(): return (len(gc.get_objects()), "
                "sum(type(o) is dict for o in gc.get_objects()), gc.get_count())")
    raw = heap_app.raw()
    raw.hello()
    summary(raw)  # the first walk may import and create what the console needs once
    # what the test's own statements change, with no walk in between...
    heap_app.do("marks[0] = snap()")
    heap_app.do("marks[1] = snap()")
    # ...must be all that changes around three walks
    heap_app.do("marks[2] = snap()")
    for _ in range(3):
        summary(raw)
    heap_app.do("marks[3] = snap()")
    heap_app.do("d1 = [b - a for a, b in zip(marks[0][:2], marks[1][:2])]")
    heap_app.do("d2 = [b - a for a, b in zip(marks[2][:2], marks[3][:2])]")
    heap_app.do("assert d1 == d2, (d1, d2)")  # gc objects, dicts: no instance __dict__ made
    heap_app.do("assert marks[3][2][1:] == marks[2][2][1:], marks")  # no collection ran


def test_odd_sizeof_is_counted_as_unknown_not_a_crash(heap_app):
    heap_app.do("class Raises:\n    def __sizeof__(self): raise RuntimeError('no')")
    heap_app.do("class Negative:\n    def __sizeof__(self): return -1")
    heap_app.do("class Huge:\n    def __sizeof__(self): return 10**30")
    heap_app.do("store.extend([Raises(), Negative(), Huge(), Raises()])")
    raw = heap_app.raw()
    raw.hello()
    data, rows = summary(raw)
    assert rows["__main__.Raises"]["unknown"] == 2
    assert rows["__main__.Negative"]["unknown"] == 1
    assert rows["__main__.Huge"]["unknown"] == 1
    assert data["unknown"] >= 4
    r = heap_app.client("summary")
    assert "objects of unknown size" in r.stdout
    assert heap_app.alive()


def test_a_list_nested_a_million_deep(heap_app):
    heap_app.do("deep = []\nfor _ in range(1000000): deep = [deep]")
    heap_app.do("store.append(deep); del deep")
    raw = heap_app.raw()
    raw.hello()
    data, rows = summary(raw)
    assert rows["list"]["count"] >= 1000000
    assert heap_app.alive()


def test_walk_while_other_threads_allocate_and_a_repl_runs(heap_app):
    heap_app.do("stop = False")
    heap_app.do("def churn():\n    while not stop:\n        x = [Leaky(i) for i in range(100)]")
    heap_app.do("threading.Thread(target=churn, daemon=True).start()")
    from test_repl import start
    repl, _, _ = start(heap_app)
    repl.send("y = [1, 2, 3]")
    raw = heap_app.raw()
    raw.hello()
    for _ in range(5):
        data, rows = summary(raw)
        assert data["objects"] > 10000
    heap_app.do("stop = True")
    assert repl.send("len(y)") == ("3\n", ">>> ")


def test_engine_memory_is_bounded(heap_app):
    heap_app.do("store.extend(Leaky(i) for i in range(200000))")
    raw = heap_app.raw()
    raw.hello()
    data, _ = summary(raw)
    assert data["objects"] > 400000
    assert data["engine_bytes"] / data["objects"] <= 16


def test_growth_flags_steady_growth(heap_app):
    raw = heap_app.raw()
    raw.hello()
    raw.command("growth")
    for _ in range(4):
        heap_app.do("store.extend(Leaky(1) for _ in range(300))")
        status, out, _ = raw.command("growth", "-n", "50")
        assert status == 0
    row = [line for line in out.splitlines() if line.startswith("__main__.Leaky")]
    assert row, out
    fields = row[0].split()
    assert fields[1] == "1200" and fields[2] == "+300"
    assert "grew in 4 of the last 5 calls  <- steady growth" in row[0]
    assert raw.command("growth")[1] == "No type grew past its peak since the last growth.\n"
    assert raw.command("growth", "-n", "x")[0] == 1


def test_garbage_of_the_eww_tutorial_on_python_3(heap_app):
    heap_app.do("class Parent:\n    def __del__(self): pass")
    heap_app.do("class Child:\n    def __del__(self): pass")
    heap_app.do("gc.disable()")
    heap_app.do("for _ in range(20):\n    p = Parent(); c = Child(); p.child = c; c.parent = p")
    heap_app.do("del p, c")
    r = heap_app.client("garbage")
    assert r.returncode == 0, r.stderr
    assert "gc.garbage is empty" in r.stdout and "PEP 442" in r.stdout
    assert "Cyclic garbage the collector has not freed yet (" in r.stdout
    lines = r.stdout.splitlines()
    rows = {line.split()[0]: line.split() for line in lines if line.startswith("  __main__.")}
    assert rows["__main__.Parent"][1] == "20" and rows["__main__.Child"][1] == "20"
    assert "Nothing was freed" in r.stdout
    # what it says is true: shown again, the same objects, and their IDs lead into the cycle
    again = heap_app.client("garbage").stdout.splitlines()
    assert [l for l in again if l.startswith("  __main__.")] == \
        [l for l in lines if l.startswith("  __main__.")]
    pid = rows["__main__.Parent"][4].rstrip(",")
    chain = heap_app.client("chain", pid)
    assert chain.returncode == 0 and "__main__.Parent at" in chain.stdout, chain.stdout
    # --collect frees them, and says so; then there is none
    r = heap_app.client("garbage", "--collect")
    freed = [l for l in r.stdout.splitlines() if l.startswith("gc.collect() freed ")]
    assert freed and int(freed[0].split()[2]) >= 40, r.stdout
    r = heap_app.client("garbage")
    assert "No cyclic garbage waiting for the collector." in r.stdout
    heap_app.do("gc.enable()")
    heap_app.do("assert not gc.garbage")
    heap_app.do("gc.garbage.append(Leaky(0))")
    r = heap_app.client("garbage")
    assert "gc.garbage holds 1 uncollectable objects:" in r.stdout
    assert heap_app.client("garbage", "--bogus").returncode == 1


def run_in_app(heap_app, code):
    """Run code in the app through `exec`; returns its output."""
    raw = heap_app.raw()
    raw.hello()
    status, out, err = raw.command("exec", code)
    assert status == 0, out + err
    return out


def test_python_api_summary_tracker_growth(heap_app):
    out = run_in_app(heap_app, """
import eww.heap, __main__
rows = eww.heap.summary(limit=5)
assert len(rows) == 5 and rows[0][2] >= rows[-1][2]
t = eww.heap.Tracker()
assert t.diff() == [] and t.diff() == [], "idle diffs are empty"
__main__.store.extend(__main__.Leaky(1) for _ in range(10000))
d = t.diff()
assert ('__main__.Leaky', 10000, 10000 * sys.getsizeof(__main__.store[-1])) in d, d
g = eww.heap.Growth()
g.update()
__main__.store.extend(__main__.Leaky(1) for _ in range(10))
assert g.update()[0][:3] == ('__main__.Leaky', 10010, 10), g.update()
totals = eww.heap.totals()
assert totals["objects"] > 10000 and totals["unknown"] == 0
print("ok")
""")
    assert out == "ok\n"


def test_tracker_drop_in_is_exact_where_pympler_shows_itself(heap_app):
    out = run_in_app(heap_app, """
from eww import tracker
import __main__, io, contextlib, gc
# What the interpreter makes lazily the first time a summary runs (3.9's re._compile_repl
# cache makes its first functools link, whose type the walk then reaches) is made once here.
tracker.SummaryTracker().diff()
# Cyclic garbage left by earlier sessions, freed by an automatic collection between two
# summaries, would rightly show as a negative row: none left, and no collection meanwhile
# (so a cycle of the tracker's own would show too).
gc.collect()
gc.disable()
tr = tracker.SummaryTracker()
first = tr.diff()
__main__.store.extend(__main__.Leaky(1) for _ in range(10000))
rows = tr.diff()
assert ['__main__.Leaky', 10000, 10000 * sys.getsizeof(__main__.store[-1])] in rows, rows
del rows  # a result the caller keeps is, rightly, a live object at the next diff
assert tr.diff() == []
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    __main__.store.append(__main__.Leaky(1))
    tr.print_diff()
lines = buf.getvalue().splitlines()
assert [c.strip() for c in lines[0].split("|")] == ["types", "# objects", "total size"], lines
gc.enable()
print("first", len(first), first)
""")
    assert out == "first 0 []\n"  # pympler's first diff lists its own lists and strings


def test_drop_ins_agree_with_pympler_and_objgraph(heap_app):
    out = run_in_app(heap_app, """
import gc, __main__
from pympler import muppy as p_muppy, summary as p_summary
import objgraph as o_graph
from eww import muppy, summary, objgraph
gc.collect()
__main__.store.extend(__main__.Leaky(i) for i in range(3000))
objs = p_muppy.get_objects()
theirs = {r[0]: r[1] for r in p_summary.summarize(objs)}
del objs
ours_rows = summary.summarize(muppy.get_objects())
ours = {r[0]: r[1] for r in ours_rows}
# the same objects where both see them: classes and gc-tracked builtins
for name in ("__main__.Leaky", "type", "list", "set", "function (serve)", "module(gc)"):
    assert ours[name] >= theirs[name], (name, ours[name], theirs[name])
assert ours["__main__.Leaky"] == theirs["__main__.Leaky"] == 3000
# (pympler names a few metaclass instances by their repr, "<enum 'Signals'>": not compared)
lower = [n for n in theirs if n in ours and ours[n] < theirs[n] - 5]
assert not lower, [(n, ours.get(n), theirs[n]) for n in lower]
extra = sorted((ours[n] - theirs.get(n, 0), n) for n in ours if ours[n] > theirs.get(n, 0))[-3:]
print("pympler sees fewer of:", [n for _, n in extra])
ts_theirs = o_graph.typestats()
ts_ours = objgraph.typestats()
assert ts_ours["Leaky"] == ts_theirs["Leaky"] == 3000
for name, n in ts_theirs.items():
    assert ts_ours.get(name, 0) >= n - 5, (name, ts_ours.get(name), n)
assert "str" in ts_ours and "str" not in ts_theirs  # untracked: objgraph never sees them
assert objgraph.count("Leaky") == o_graph.count("Leaky") == 3000
assert len(objgraph.by_type("__main__.Leaky")) == 3000
# output formats parse the same way
import io
a, b = io.StringIO(), io.StringIO()
objgraph.show_most_common_types(limit=3, file=a)
o_graph.show_most_common_types(limit=3, file=b)
assert [len(l.split()) for l in a.getvalue().splitlines()] == [2, 2, 2]
assert [len(l.split()) for l in b.getvalue().splitlines()] == [2, 2, 2]
a = io.StringIO()
objgraph.show_growth(limit=2, file=a)
__main__.store.extend(__main__.Leaky(i) for i in range(5))
a = io.StringIO()
objgraph.show_growth(limit=5, file=a)
line = [l for l in a.getvalue().splitlines() if l.startswith("Leaky")][0]
assert line.split()[1:] == ["3005", "+5"], line
fmt = list(summary.format_(ours_rows, limit=3))
fmt2 = list(p_summary.format_(ours_rows, limit=3))
assert fmt == fmt2, (fmt, fmt2)
print("ok")
""")
    assert out.endswith("ok\n"), out
    assert "pympler sees fewer of:" in out and "str" in out


def test_get_leaking_objects_finds_what_only_c_holds(heap_app):
    out = run_in_app(heap_app, """
import ctypes, __main__
from eww import objgraph
import objgraph as o_graph
leaked = __main__.Leaky(42)
ctypes.pythonapi.Py_IncRef(ctypes.py_object(leaked))   # a reference held only by "C code"
addr = id(leaked)
del leaked
theirs = [id(o) for o in o_graph.get_leaking_objects() if type(o) is __main__.Leaky]
ours = [id(o) for o in objgraph.get_leaking_objects() if type(o) is __main__.Leaky]
assert ours == [addr] == theirs, (ours, theirs, addr)
print("ok")
""")
    assert out == "ok\n"


def test_a_long_walk_reports_progress(heap_app):
    heap_app.do("import time\nclass Slow:\n    def __sizeof__(self):\n"
                "        time.sleep(0.01)\n        return 16")
    heap_app.do("store.extend(Slow() for _ in range(250))")  # 2.5 s of __sizeof__
    raw = heap_app.raw()
    raw.hello()
    raw.command("walk", "live")  # in the app: a __sizeof__ in Python is run there only
    raw.send(frame(2, b"summary\0-n\0003\0"))
    progress, output = [], b""
    while True:
        ftype, payload = raw.recv_frame()
        if ftype == PROGRESS:
            progress.append(payload.decode())
        elif ftype == 3:
            output += payload
        elif ftype == 5:
            break
    import re
    m = re.fullmatch(r"walking the heap: (\d+) objects so far \((\d+) s\)", progress[0])
    assert m and int(m.group(1)) > 0 and int(m.group(2)) >= 1, progress
    assert b"objects of" in output
