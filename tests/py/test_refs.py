"""Where does it leak? chain and leaking, end to end (issue: refs)."""

import re
import sys
import textwrap

import pytest

from conftest import App


MODULE = '''
class Handler:
    def __init__(self, i):
        self.i = i
class Holder:
    pass
class Slotted:
    __slots__ = ("i",)
    def __init__(self, i):
        self.i = i
registry = {"bucket": [], "other": []}
def fill(n):
    for i in range(n):
        registry["bucket"].append(Slotted(i))
'''


@pytest.fixture
def refs_app(sockdir, tmp_path):
    (tmp_path / "leakapp.py").write_text(MODULE)
    app = App(sockdir, textwrap.dedent(f"""
        sys.path.insert(0, {str(tmp_path)!r})
        import leakapp, ctypes, threading
        def run(code):
            exec(code, globals())
        for line in sys.stdin:
            run(line.replace("\\\\n", "\\n"))
            print("DONE", flush=True)
        """), stdin=__import__("subprocess").PIPE)

    def do(statement):
        """Run a statement in the app; the lines it printed."""
        app.proc.stdin.write(statement.replace("\n", "\\n") + "\n")
        app.proc.stdin.flush()
        lines = []
        while (line := app.readline()) != "DONE":
            assert line, app.proc.stderr.read()
            lines.append(line)
        return lines

    app.do = do
    assert app.do("pass") == []
    app.tmp_path = tmp_path
    yield app
    app.stop()


def chain(app, *args):
    r = app.client("chain", *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_chain_of_one_object_through_dict_and_list(refs_app):
    refs_app.do("for i in range(50): leakapp.registry['bucket'].append(leakapp.Handler(i))")
    out = chain(refs_app, "Handler", "-n", "1")
    example = re.search(r"\(for example (0x[0-9a-f]+)\)", out).group(1)
    line = chain(refs_app, example)
    assert re.fullmatch(r"module leakapp -> attribute 'registry' -> dict key 'bucket' -> "
                        r"list index \d+ -> leakapp\.Handler at 0x[0-9a-f]+\n", line), line


def test_chains_of_a_type_grouped_by_shape(refs_app):
    refs_app.do("for i in range(300): leakapp.registry['bucket'].append(leakapp.Handler(i))")
    refs_app.do("for i in range(7): leakapp.registry['other'].append(leakapp.Handler(i))")
    out = chain(refs_app, "leakapp.Handler")
    assert out.startswith("300 of 307 leakapp.Handler are kept alive by:\n  module leakapp -> "
                          "attribute 'registry' -> dict key 'bucket' -> list index *\n")
    assert ("7 of 307 leakapp.Handler are kept alive by:\n  module leakapp -> attribute "
            "'registry' -> dict key 'other' -> list index *\n") in out


def test_edge_kinds(refs_app):
    refs_app.do("leakapp.holder = leakapp.Holder(); leakapp.holder.payload = leakapp.Handler(1)")
    refs_app.do("leakapp.Holder.shared = leakapp.Handler(2)")          # class attribute
    refs_app.do("leakapp.tup = (0, leakapp.Handler(3))")               # tuple index
    refs_app.do("leakapp.aset = {leakapp.Handler(4)}")                 # set member
    refs_app.do("def make():\n    x = leakapp.Handler(5)\n    return lambda: x\n"
                "leakapp.fn = make(); del make")                        # closure cell
    out = chain(refs_app, "Handler", "-n", "10")
    assert "module leakapp -> attribute 'holder' -> attribute 'payload'" in out
    assert "module leakapp -> attribute 'Holder' -> class attribute 'shared'" in out
    assert "module leakapp -> attribute 'tup' -> tuple index *" in out
    assert "module leakapp -> attribute 'aset' -> set member" in out
    assert "closure cell" in out


def test_roots_frames_and_c_references(refs_app):
    refs_app.do("def worker():\n    keep = leakapp.Handler(8)\n    ready.set()\n    ev.wait()\n"
                "ev = threading.Event(); worker_thread = threading.Thread(target=worker)\n"
                "ready = threading.Event(); worker_thread.start(); ready.wait()")
    refs_app.do("x = leakapp.Handler(9); ctypes.pythonapi.Py_IncRef(ctypes.py_object(x)); "
                "cid = hex(id(x)); del x")
    out = chain(refs_app, "Handler", "-n", "10")
    assert re.search(r"local keep in worker\(\) of thread \d+", out)
    assert "nothing refers to it: a reference held by C code" in out
    [cid] = refs_app.do("print(cid, flush=True)")
    line = chain(refs_app, cid)
    assert line == f"leakapp.Handler at {cid}: nothing refers to it: a reference held by " \
                   "C code (or a leak in an extension)\n"
    # The worker's `keep` goes: a running frame's variables are no object's references (from
    # 3.13 not even through a locals dict), so it would be one of the leaking objects too.
    refs_app.do("ev.set(); worker_thread.join()")
    r = refs_app.client("leaking", "-n", "1000")
    assert r.returncode == 0
    assert re.search(r"^  leakapp\.Handler +1 +e\.g\. " + cid + "$", r.stdout, re.M), r.stdout


def test_a_class_asked_for_by_name(refs_app):
    # no instance left: chain answers for the class itself; backrefs says how to ask
    out = chain(refs_app, "leakapp.Holder")
    assert out.startswith("No live instance of leakapp.Holder: the chains of the class itself.\n")
    m = re.search(r"1 of 1 class leakapp\.Holder is kept alive by:\n  module leakapp -> "
                  r"attribute 'Holder'\n  \(for example (0x[0-9a-f]+)\)", out)
    assert m, out
    r = refs_app.client("backrefs", "leakapp.Holder")
    assert r.returncode == 1
    assert re.search(r"backrefs: no live instance of the class leakapp\.Holder\. The class "
                     r"itself is (0x[0-9a-f]+): `backrefs \1` shows what keeps the class alive",
                     r.stderr), r.stderr
    r = refs_app.client("chain", m.group(1))
    assert r.returncode == 0
    assert r.stdout == f"module leakapp -> attribute 'Holder' -> class leakapp.Holder at " \
                       f"{m.group(1)}\n", r.stdout
    # --class: the classes even while instances live; classes made at run time group
    refs_app.do("keep = [leakapp.Handler(1)]; made = [type('Made', (), {}) for i in range(30)]")
    out = chain(refs_app, "Handler", "--class")
    assert "1 of 1 class leakapp.Handler is kept alive by:\n  module leakapp -> attribute " \
           "'Handler'" in out, out
    out = chain(refs_app, "Made", "--class")
    assert "30 of 30 class __main__.Made are kept alive by:\n  module __main__ -> attribute " \
           "'made' -> list index *" in out, out
    r = refs_app.client("chain", "NoSuchThing")
    assert r.returncode == 1 and "no live object of a type named 'NoSuchThing'" in r.stderr
    r = refs_app.client("chain", "0x10", "--class")
    assert r.returncode != 0 and "--class takes a class name" in r.stderr


def test_registries_read_well(refs_app):
    # a dict with thousands of int keys is one group, its keys *
    refs_app.do("by_id = {i: leakapp.Handler(i) for i in range(3440)}")
    out = chain(refs_app, "leakapp.Handler")
    assert out.startswith("3,440 of 3,440 leakapp.Handler are kept alive by:\n"
                          "  module __main__ -> attribute 'by_id' -> dict key *\n"), out
    assert out.count("kept alive by") == 1
    # a signal handler set from Python is a root named after it
    refs_app.do("import signal\nclass OnSignal:\n    def __call__(self, *a): pass\n"
                "signal.signal(signal.SIGUSR2, OnSignal())")
    assert "1 of 1 __main__.OnSignal is kept alive by:\n  signal handler for SIGUSR2 (module " \
           "signal)\n" in chain(refs_app, "OnSignal")
    # atexit's callbacks: in the module's C state on 3.9, out of every traverse after
    refs_app.do("import atexit\nclass AtExit:\n    def __call__(self): pass\n"
                "atexit.register(AtExit())")
    out = chain(refs_app, "AtExit")
    if sys.version_info < (3, 10):
        assert "module atexit -> registry in its C state" in out, out
    else:
        assert "nothing refers to it: a reference held by C code" in out, out


def test_stale_and_forged_ids_are_errors_not_crashes(refs_app):
    refs_app.do("y = leakapp.Handler(1); yid = hex(id(y)); del y")
    [stale] = refs_app.do("print(yid, flush=True)")
    for bad in (stale, "0xdeadbeef", "0x1", "0x" + "f" * 16, "0x0", "0"):
        r = refs_app.client("chain", bad)
        assert r.returncode == 1
        assert f"chain: no live object has the ID {bad}" in r.stderr
    # not IDs (a sign, a space, too many digits): names, which no type has
    for bad in ("NoSuchType", "0x-5", "0x 5", "0x" + "f" * 17, "12x"):
        r = refs_app.client("chain", bad)
        assert r.returncode == 1 and f"no live object of a type named '{bad}'" in r.stderr
    for args, msg in [([], "missing 'TYPE|ID'"), (["a", "b"], "unexpected argument 'b'"),
                      (["x", "-n", "0"], "-n takes a number")]:
        r = refs_app.client("chain", *args)
        assert r.returncode == 1 and msg in r.stderr
    assert refs_app.alive()


def test_cycles_long_lists_and_deep_chains(refs_app):
    refs_app.do("leakapp.cycle = leakapp.Holder(); leakapp.cycle.other = leakapp.Holder(); "
                "leakapp.cycle.other.other = leakapp.cycle")
    refs_app.do("leakapp.big = list(range(1000000)); leakapp.big.append(leakapp.Handler(0))")
    refs_app.do("leakapp.deep = leakapp.Handler(1)\n"
                "for _ in range(100000): leakapp.deep = [leakapp.deep]")
    out = chain(refs_app, "Holder")
    assert "module leakapp -> attribute 'cycle'" in out
    out = chain(refs_app, "Handler", "-n", "5")
    assert "module leakapp -> attribute 'big' -> list index *" in out
    # a run of equal edges is said once: the chain of a 100,000-deep nesting is one line
    deep = [line for line in out.splitlines() if "attribute 'deep'" in line][0]
    assert deep.strip() == "module leakapp -> attribute 'deep' -> list index * (repeated)"
    # one object's chain says how long the run is
    [did] = refs_app.do("print(hex(id(leakapp.deep)), flush=True)")
    r = refs_app.client("chain", "0x" + f"{int(did, 16):x}")
    assert r.returncode == 0
    [cid] = refs_app.do("x = leakapp.deep\nwhile type(x) is list: x = x[0]\n"
                        "print(hex(id(x)), flush=True); del x")
    r = refs_app.client("chain", cid)
    assert r.returncode == 0 and r.stdout == ("module leakapp -> attribute 'deep' -> list index 0 "
                                              f"(100,000 times) -> leakapp.Handler at {cid}\n")
    # Python's decimal id() is taken too
    r2 = refs_app.client("chain", str(int(cid, 16)))
    assert r2.returncode == 0 and r2.stdout == r.stdout


def test_where_groups_allocation_tracebacks(refs_app):
    r = refs_app.client("where", "Handler")
    assert r.returncode == 1 and "allocation tracing is off: run `trace on`" in r.stderr
    r = refs_app.client("trace", "on", "5")
    assert r.returncode == 0 and "Allocation tracing is on (5 frames)" in r.stdout
    refs_app.do("leakapp.fill(1000)")
    refs_app.do("leakapp.registry['other'].append(leakapp.Slotted(-1))")
    r = refs_app.client("where", "leakapp.Slotted")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    # as Python prints a traceback: most recent call last, the function and the source line
    assert lines[0] == "1000 leakapp.Slotted allocated at (most recent call last):"
    frames = lines[1:lines.index(next(x for x in lines[1:] if not x.startswith("  ")))]
    leakapp = str(refs_app.tmp_path / "leakapp.py")
    assert frames[-2:] == [f'  File "{leakapp}", line 14, in fill',
                           '    registry["bucket"].append(Slotted(i))'], frames
    # the statement that called it, exec'd: no source file, so no function name nor line
    assert frames[-3] == '  File "<string>", line 1', frames
    assert any(line.startswith("1 leakapp.Slotted allocated at") for line in lines)
    refs_app.do("leakapp.registry['other'].append(leakapp.Handler(-1))")
    r = refs_app.client("where", "leakapp.Handler")
    if sys.version_info[:2] == (3, 11):  # CPython gh-101430: said plainly, not hidden
        assert "tracemalloc cannot find the traceback of instances whose attributes are " \
               "stored inline (CPython gh-101430" in r.stdout
    else:
        assert r.stdout.startswith("1 leakapp.Handler allocated at")
    assert refs_app.client("trace", "off").stdout.startswith("Allocation tracing is off")
    r = refs_app.client("trace", "sideways")
    assert r.returncode == 1 and "usage: trace on [FRAMES] | trace off" in r.stderr


def test_find_backref_chain_matches_objgraph(refs_app):
    refs_app.do("for i in range(100): leakapp.registry['bucket'].append(leakapp.Handler(i))")
    raw = refs_app.raw()
    raw.hello()
    status, out, err = raw.command("exec", """
import inspect, objgraph as o_graph, leakapp
from eww import objgraph
target = leakapp.registry['bucket'][42]
ours = objgraph.find_backref_chain(target, inspect.ismodule)
theirs = o_graph.find_backref_chain(target, inspect.ismodule)
assert ours[0] is leakapp and ours[-1] is target, ours
assert len(ours) == len(theirs), (ours, theirs)
assert [type(x) for x in ours] == [type(x) for x in theirs]
assert objgraph.find_backref_chain(target, inspect.ismodule, max_depth=1) == [target]
assert objgraph.find_backref_chain(target, lambda x: False) == [target]
print("ok")
""")
    assert status == 0, out + err
    assert out == "ok\n"
