"""size, refs and track, end to end: the real binary against a real app (issue: drop-ins).

The numbers `size` prints are checked against eww.asizeof computed in the app and against
pympler's own asizeof (when installed) computed in the same app: `size` is asizeof from the
console.
"""

import json
import re

import pytest

from conftest import COMMAND, INTERRUPT, OUTPUT, frame, wait_for

APP = r"""
import sys, types
objapp = types.ModuleType("objapp")
sys.modules["objapp"] = objapp
exec('''
class Node:
    def __init__(self, i):
        self.i = i
        self.payload = ["x" * 100 + str(i) for _ in range(3)]
        self.tags = ("a", "b")
class Never:
    pass
nodes = [Node(i) for i in range(500)]
holder = {"first": nodes[0]}
holder["self"] = holder
''', objapp.__dict__)
print("BUILT", id(objapp.nodes[0]), id(objapp.holder), flush=True)
import threading
grow = threading.Event()
def grower():
    while True:
        grow.wait()
        grow.clear()
        objapp.nodes.extend(objapp.Node(i) for i in range(100))
        print("GREW", flush=True)
threading.Thread(target=grower, daemon=True).start()
time.sleep(600)
"""


@pytest.fixture
def objapp(make_app):
    app = make_app(APP)
    line = app.readline().split()
    assert line[0] == "BUILT", line
    app.node_id, app.holder_id = int(line[1]), int(line[2])
    return app


def numbers(text):
    """The byte counts a size line gives: '2.3 KiB (2,344 bytes)' or '56 bytes'."""
    deep = re.search(r"^deep size\s+(?:\S+ \S+ \()?([\d,]+) bytes", text, re.M)
    flat = re.search(r"^flat size\s+(?:\S+ \S+ \()?([\d,]+) bytes", text, re.M)
    assert deep and flat, text
    return int(deep.group(1).replace(",", "")), int(flat.group(1).replace(",", ""))


def ys(text):
    """The y values of `stats NAME`'s 'x y' lines (after its # header)."""
    return [line.split()[1] for line in text.splitlines() if line and not line.startswith("#")]


def in_app(app, code):
    """What code (run by `exec` in the app) prints, as JSON."""
    r = app.client("exec", code)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


SIZES = """
import json, objapp
from eww import asizeof
objs = %s
d = asizeof.asizeof(*objs)
f = sum(asizeof.asized(o).flat for o in objs)
try:
    from pympler import asizeof as theirs
    p = theirs.asizeof(*objs)
except ImportError:
    p = None
print(json.dumps([d, f, p]))
"""


def test_size_imports_nothing_heavy_into_the_app(objapp):
    # pympler's asizeof imports numpy (megabytes, BLAS threads) and _testcapi; eww's does not
    # import either into an app that has not (a numpy array exists only once numpy is)
    assert in_app(objapp, "import json, sys; print(json.dumps('numpy' in sys.modules))") is False
    assert objapp.client("size", "objapp.Node").returncode == 0
    assert in_app(objapp, "import json, sys; print(json.dumps(["
                          "'numpy' in sys.modules, '_testcapi' in sys.modules]))") == [False, False]


def test_size_of_an_id_is_asizeof_of_that_object(objapp):
    r = objapp.client("size", hex(objapp.node_id))
    assert r.returncode == 0, r.stderr
    assert f"objapp.Node at {hex(objapp.node_id)}" in r.stdout
    deep, flat = numbers(r.stdout)
    want_deep, want_flat, pympler = in_app(objapp, SIZES % "[objapp.nodes[0]]")
    assert (deep, flat) == (want_deep, want_flat)
    assert pympler in (None, deep)
    assert flat < deep
    # Python's decimal id() names the same object
    assert numbers(objapp.client("size", str(objapp.node_id)).stdout) == (deep, flat)


def test_size_of_a_type_counts_every_instance_once(objapp):
    r = objapp.client("size", "Node")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("500 objapp.Node objects\n"), r.stdout
    deep, flat = numbers(r.stdout)
    want_deep, want_flat, pympler = in_app(objapp, SIZES % "objapp.nodes")
    assert (deep, flat) == (want_deep, want_flat)
    assert pympler in (None, deep)
    largest = re.findall(r"^  (0x[0-9a-f]+)  .*?([\d,]+) bytes", r.stdout, re.M)
    assert len(largest) == 5, r.stdout
    adds = [int(n.replace(",", "")) for _, n in largest]
    assert adds == sorted(adds, reverse=True)
    # the first one sized also counts what all share (the tuple ('a', 'b')): more than any
    assert adds[0] > adds[1]
    first = objapp.client("size", largest[1][0])
    assert first.returncode == 0 and first.stdout.startswith(f"objapp.Node at {largest[1][0]}")


def test_size_of_an_expression(objapp):
    r = objapp.client("size", "-e", "objapp.holder")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"objapp.holder = dict at {hex(objapp.holder_id)}  2 items")
    assert numbers(r.stdout) == tuple(in_app(objapp, SIZES % "[objapp.holder]")[:2])


@pytest.mark.parametrize("args, error", [
    (["-e", "nope"], "size: NameError: name 'nope' is not defined"),
    (["-e", "1 +"], "size: SyntaxError: "),  # the message differs between versions
    (["-e", "1/0"], "size: ZeroDivisionError: division by zero"),
    (["0x10"], "size: no live object has the ID 0x10"),
    (["NoSuchType"], "size: no live object of a type named 'NoSuchType'"),
    (["Never"], "size: no live instance of the class objapp.Never"),
    ([], "size: missing 'ID|TYPE|-e EXPR'"),
    (["Node", "-e", "1"], "size: either ID|TYPE or -e EXPR, not 'both'"),
    (["-e"], "size: -e takes an expression, not 'nothing'"),
    (["Node", "-x"], "size: unknown option '-x'"),
])
def test_size_errors_are_clear(objapp, args, error):
    r = objapp.client("size", *args)
    assert r.returncode == 1 and error in r.stderr, (r.stdout, r.stderr)
    assert objapp.alive()


def test_refs_draws_the_tree_of_referents(objapp):
    # depth 3: before 3.11 the attributes are one level further, in the instance's dict
    r = objapp.client("refs", hex(objapp.node_id), "-d", "3")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"objapp.Node at {hex(objapp.node_id)}"
    text = r.stdout
    # the attributes, through the instance's dict or its inline values (3.11+)
    assert re.search(r"(attribute|dict key) 'payload': list at 0x[0-9a-f]+  3 items", text), text
    assert re.search(r"(attribute|dict key) 'tags': tuple at 0x[0-9a-f]+  2 items", text), text
    # the list's items, in index order
    items = re.findall(r"list index (\d+): str at 0x[0-9a-f]+  'x", text)
    assert items == ["0", "1", "2"], text
    assert re.search(r"└── __class__: class objapp.Node  \(not expanded\)$", text, re.M), text
    assert all(line.startswith(("├", "│", "└", " ")) for line in lines[1:]), text
    # depth 1: the object's own referents only
    shallow = objapp.client("refs", hex(objapp.node_id), "-d", "1").stdout
    assert "list index" not in shallow and "dict key 'i'" not in shallow
    assert re.search(r"^(├|└)── (__dict__|attribute 'payload'):", shallow, re.M), shallow


def test_refs_marks_what_it_showed_and_stops_at_its_limits(objapp):
    r = objapp.client("refs", hex(objapp.holder_id), "-d", "3")
    assert r.returncode == 0, r.stderr
    assert re.search(rf"dict key 'self': dict at {hex(objapp.holder_id)}  2 items  \(shown above\)",
                     r.stdout), r.stdout
    cut = objapp.client("refs", hex(objapp.holder_id), "-d", "5", "-n", "3")
    assert cut.returncode == 0
    assert cut.stdout.rstrip().endswith("(stopped at 3 nodes: -n for more)"), cut.stdout
    assert len(cut.stdout.splitlines()) == 4
    many = objapp.client("refs", "-d", "1", str(in_app(objapp, "import objapp, json\n"
                                                       "print(json.dumps(id(objapp.nodes)))")))
    assert many.returncode == 0 and "└── ... 490 more" in many.stdout, many.stdout
    assert len(many.stdout.splitlines()) == 12  # the list, 10 items, the rest counted
    bad = objapp.client("refs", "Node")
    assert bad.returncode == 1 and "refs: 'Node' is not an ID" in bad.stderr
    for gone in ("0x10", "0x0"):
        r = objapp.client("refs", gone)
        assert r.returncode == 1 and f"refs: no live object has the ID {gone}" in r.stderr
    for bad in ("0x-5", "0x" + "f" * 17, "+16", " 16"):
        r = objapp.client("refs", bad)
        assert r.returncode == 1 and f"refs: '{bad}' is not an ID" in r.stderr


def test_track_samples_into_graphs_that_stats_draws(objapp, tmp_path):
    r = objapp.client("track", "objapp.Node", "-i", "0.1", "-n", "3")
    assert r.returncode == 0, r.stderr
    rows = re.findall(r"^\s+([\d.]+) s\s+([\d,]+)\s+(\S+ \S+)", r.stdout, re.M)
    assert [n for _, n, _ in rows] == ["500", "500", "500"], r.stdout
    assert float(rows[1][0]) >= 0.1 and float(rows[2][0]) > float(rows[1][0])
    assert "track:objapp.Node:instances and track:objapp.Node:bytes" in r.stdout
    points = ys(objapp.client("stats", "track:objapp.Node:instances").stdout)
    assert points == ["500"] * 3, points
    size = ys(objapp.client("stats", "track:objapp.Node:bytes").stdout)
    deep = in_app(objapp, SIZES % "objapp.nodes")[0]
    assert size == [str(deep)] * 3
    drawn = objapp.client("stats", "-g", "track:objapp.Node:bytes", "-f", "nodes",
                          cwd=str(tmp_path))
    assert drawn.returncode == 0, drawn.stderr
    svg = (tmp_path / "nodes.svg").read_text()
    assert ">seconds<" in svg and "KiB" in svg


def test_track_follows_growth_until_ctrl_c(objapp):
    raw = objapp.raw()
    raw.hello()
    raw.send(frame(COMMAND, b"track\0Node\0-i\0" + b"0.2\0"))
    out = b""

    def lines():
        nonlocal out
        ftype, payload = raw.recv_frame()
        if ftype == OUTPUT:
            out += payload
        return out.decode().count(" ms\n") >= 2

    assert wait_for(lines, timeout=60)
    objapp.client("exec", "grow.set()")
    assert objapp.readline() == "GREW"
    assert wait_for(lambda: lines() and "+100" in out.decode(), timeout=60), out
    raw.send(frame(INTERRUPT))
    status, rest, err = raw.until_done()
    assert status == 0 and err == "", err
    assert re.search(r"\s600\s+\S+ \S+\s+\+100\s", out.decode() + rest)
    status, text, _ = raw.command("stats", "track:objapp.Node:instances")
    assert status == 0 and "600" in ys(text)
    raw.close()
    assert objapp.alive()


def test_track_errors(objapp):
    r = objapp.client("track", "NoSuchClass", "-n", "1")
    assert r.returncode == 1 and "track: no class or type named 'NoSuchClass'" in r.stderr
    r = objapp.client("track", "Node", "-i", "0")
    assert r.returncode == 1 and "track: -i takes seconds (0.1 to 86400), not '0'" in r.stderr
    r = objapp.client("track")
    assert r.returncode == 1 and "track: missing 'CLASS'" in r.stderr
    # a class with no instance yet is tracked from 0
    r = objapp.client("track", "Never", "-n", "1")
    assert r.returncode == 0 and re.search(r"0\.0 s\s+0\s", r.stdout), r.stdout
