"""backrefs (the graph of referrers, drawn by the client) and objgraph's show_backrefs /
show_refs on the same engine, end to end (issue: refs)."""

import re
import shutil
import subprocess

import pytest

from conftest import CLIENT
from test_refs import refs_app  # noqa: F401 (the fixture)

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed "
                               "(.ci/run installs it)")
QUOTED = r'"((?:[^"\\]|\\.)*)"'


def parse(dot):
    """(nodes {id: label}, edges [(from, to, label)], more {id: count}) of eww's DOT."""
    nodes = {n: lab.replace("\\n", "\n").replace('\\"', '"')
             for n, lab in re.findall(r"^  (o\d+) \[label=" + QUOTED, dot, re.M)}
    edges = re.findall(r"^  (o\d+) -> (o\d+) \[label=" + QUOTED, dot, re.M)
    more = {n: int(c.replace(",", "")) for c, n in re.findall(
        r'^  more_o\d+ \[label="([\d,]+) more referrers?".*\n  more_(o\d+) ->', dot, re.M)}
    for a, b, _ in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges, more


def backrefs(app, *args):
    """Run backrefs with -f -: stdout is the DOT text only (it can go to `| dot -Tpng`),
    the summary line is on stderr. (summary line, DOT)."""
    r = app.client("backrefs", *args, "-f", "-")
    assert r.returncode == 0, r.stderr
    dot = r.stdout
    assert dot.startswith("digraph backrefs {") and dot.endswith("}\n"), r.stdout
    summary, = r.stderr.splitlines()
    return summary, dot


def node_of(nodes, prefix):
    [n] = [n for n, lab in nodes.items() if lab.startswith(prefix)]
    return n


def depths(nodes, edges, target):
    """Distance of each node from the target, following references backwards."""
    dist, frontier = {target: 0}, [target]
    while frontier:
        nxt = []
        for n in frontier:
            for a, b, _ in edges:
                if b == n and a not in dist:
                    dist[a] = dist[n] + 1
                    nxt.append(a)
        frontier = nxt
    return dist


def test_every_edge_kind_is_labelled(refs_app):
    refs_app.do("t = leakapp.Handler(0); leakapp.registry['bucket'].append(t); "
                "leakapp.holder = leakapp.Holder(); leakapp.holder.attr = t; "
                "leakapp.Holder.cls_attr = t; leakapp.members = {t}; leakapp.pair = (1, t)")
    refs_app.do("def make():\n    x = t\n    return lambda: x\nleakapp.fn = make(); "
                "tid = hex(id(t))")
    [tid] = refs_app.do("print(tid, flush=True)")
    summary, dot = backrefs(refs_app, tid)
    assert summary.startswith(f"What refers to {tid}: ")
    nodes, edges, more = parse(dot)
    target = node_of(nodes, f"leakapp.Handler at {tid}")
    into = {lab for a, b, lab in edges if b == target}
    assert into == {"list index 0", "attribute 'attr'", "class attribute 'cls_attr'",
                    "set member", "tuple index 1", "closure cell", "attribute 't'"}
    assert not more
    # Modules and classes are roots: drawn, not searched further.
    labels = set(nodes.values())
    assert "module leakapp" in labels and "module __main__" in labels
    assert "class leakapp.Holder" in labels
    holder = node_of(nodes, "leakapp.Holder at 0x")
    assert ("attribute 'holder'" in {lab for a, b, lab in edges if b == holder})
    registry_list = node_of(nodes, "list at 0x")
    assert nodes[registry_list].endswith("\n1 item")
    assert (node_of(nodes, "dict at 0x"), registry_list, "dict key 'bucket'") in edges


def test_roots_frames_c_references_and_cycles(refs_app):
    refs_app.do("def worker():\n    keep = leakapp.Handler(8)\n    ready.set()\n    ev.wait()\n"
                "ev = threading.Event(); ready = threading.Event()\n"
                "threading.Thread(target=worker, daemon=True).start(); ready.wait()")
    refs_app.do("x = leakapp.Slotted(9); ctypes.pythonapi.Py_IncRef(ctypes.py_object(x)); "
                "cid = hex(id(x)); del x")
    refs_app.do("a = leakapp.Holder(); b = leakapp.Holder(); a.other = b; b.other = a; "
                "leakapp.cycle = a; aid = hex(id(a)); del a, b")
    nodes, edges, _ = parse(backrefs(refs_app, "Handler")[1])
    frame = node_of(nodes, "frame of worker() at ")
    assert (frame, node_of(nodes, "leakapp.Handler at 0x"), "local keep in worker()") in edges
    [cid, aid] = refs_app.do("print(cid, aid, flush=True)")[0].split()
    nodes, edges, _ = parse(backrefs(refs_app, cid)[1])
    assert list(nodes.values()) == [f"leakapp.Slotted at {cid}\n"
                                    "(nothing refers to it: held by C code)"]
    assert edges == []
    nodes, edges, _ = parse(backrefs(refs_app, aid)[1])
    a, = [n for n, lab in nodes.items() if lab.startswith(f"leakapp.Holder at {aid}")]
    b, = [n for n, lab in nodes.items() if lab.startswith("leakapp.Holder at") and n != a]
    assert (a, b, "attribute 'other'") in edges and (b, a, "attribute 'other'") in edges


def test_depth_node_and_referrer_limits(refs_app):
    refs_app.do("t = leakapp.Handler(1); leakapp.nest = [[[[[[t]]]]]]; "
                "u = leakapp.Handler(2); leakapp.many = [[u] for _ in range(50)]; "
                "tid, uid = hex(id(t)), hex(id(u)); del t, u")
    tid, uid = refs_app.do("print(tid, uid, flush=True)")[0].split()
    for depth in (1, 2, 4):
        summary, dot = backrefs(refs_app, tid, "-d", depth)
        nodes, edges, _ = parse(dot)
        dist = depths(nodes, edges, node_of(nodes, f"leakapp.Handler at {tid}"))
        assert len(nodes) == depth + 1 and max(dist.values()) == depth, dot
        assert summary.endswith(f": {depth + 1} nodes, depth {depth}")
    # 50 referrers: 10 drawn, 40 counted; each of those held by leakapp.many, held by the module.
    nodes, edges, more = parse(backrefs(refs_app, uid)[1])
    target = node_of(nodes, f"leakapp.Handler at {uid}")
    assert sum(1 for a, b, _ in edges if b == target) == 10
    assert more == {target: 40}
    assert len(nodes) == 1 + 10 + 1 + 1
    summary, dot = backrefs(refs_app, uid, "-n", 5)
    nodes, edges, more = parse(dot)
    assert len(nodes) == 5 and more[target] == 50 - 4
    assert summary.endswith("(stopped at the node limit: -n for more)")
    assert "the graph stops at its node limit" in dot


def test_reprs_that_raise_or_are_huge_are_cut_safely(refs_app):
    refs_app.do("class Bad:\n    def __repr__(self):\n        raise ValueError('no')\n"
                "class Huge:\n    def __repr__(self):\n        return 'x' * 1_000_000\n"
                "leakapp.odd = [Bad(), Huge(), 'y' * 1_000_000, 7 ** 100_000]")
    for name in ("Bad", "Huge"):
        summary, dot = backrefs(refs_app, name)
        assert len(dot) < 5000
        nodes, _, _ = parse(dot)
        label = nodes[node_of(nodes, f"__main__.{name} at 0x")]
        # a __repr__ written in Python is never called by the console (it could run
        # anything, and let the app's threads run in the middle of the search)
        assert re.fullmatch(rf"__main__\.{name} at 0x[0-9a-f]+", label), label
        if HAVE_DOT:
            assert subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True,
                                  text=True).returncode == 0
    assert refs_app.alive()


def test_a_million_long_list_and_ids_for_later_commands(refs_app):
    refs_app.do("leakapp.big = list(range(1_000_000)); leakapp.big.append(leakapp.Handler(0))")
    nodes, edges, _ = parse(backrefs(refs_app, "Handler")[1])
    big = node_of(nodes, "list at 0x")
    assert nodes[big].endswith("\n1,000,001 items")
    assert [lab for a, b, lab in edges if a == big] == ["list index 1000000"]
    list_id = re.match(r"list at (0x[0-9a-f]+)", nodes[big]).group(1)
    r = refs_app.client("chain", list_id)
    assert r.returncode == 0 and r.stdout == f"module leakapp -> attribute 'big' -> list at " \
                                             f"{list_id}\n"


def test_bad_input_is_an_error_not_a_crash(refs_app):
    refs_app.do("y = leakapp.Handler(1); yid = hex(id(y)); del y")
    [stale] = refs_app.do("print(yid, flush=True)")
    for bad in (stale, "0xdeadbeef", "0x1", "0x" + "f" * 16, "0x0", "0"):
        r = refs_app.client("backrefs", bad)
        assert r.returncode == 1 and f"backrefs: no live object has the ID {bad}" in r.stderr
    r = refs_app.client("backrefs", "NoSuchType")
    assert r.returncode == 1 and "no live object of a type named 'NoSuchType'" in r.stderr
    for args, msg in [([], "missing 'TYPE|ID'"), (["a", "b"], "unexpected argument 'b'"),
                      (["x", "-d", "0"], "-d takes a number of levels (1 to 20), not '0'"),
                      (["x", "-d", "21"], "-d takes a number"),
                      (["x", "-n", "many"], "-n takes a number of nodes"),
                      (["x", "-f"], "-f takes a file name"),
                      (["x", "-q"], "unknown option '-q'")]:
        r = refs_app.client("backrefs", *args)
        assert r.returncode == 1 and msg in r.stderr, (args, r.stderr)
        assert "usage: backrefs TYPE|ID [-d DEPTH] [-n MAXNODES] [-f FILE]" in r.stderr
    for name in ("../up.svg", "/tmp/x.svg", ".hidden"):
        r = refs_app.client("backrefs", "Handler", "-f", name)
        assert r.returncode == 1 and "-f takes a plain file name" in r.stderr
    assert refs_app.alive()


@needs_dot
def test_dot_text_on_stdout_pipes_into_graphviz(refs_app, tmp_path):
    # as docs/commands.md shows: backrefs ID -f - | dot -Tpng > g.png
    refs_app.do("leakapp.registry['bucket'].append(leakapp.Handler(1))")
    png = tmp_path / "g.png"
    r = subprocess.run(f"{CLIENT} {refs_app.pid} backrefs Handler -f - | dot -Tpng > {png}",
                       shell=True, capture_output=True, text=True, env=refs_app.client_env,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert r.stderr.startswith("What refers to the only leakapp.Handler: "), r.stderr


@needs_dot
def test_the_client_draws_svg_png_or_writes_dot(refs_app, tmp_path):
    refs_app.do("leakapp.registry['bucket'].extend(leakapp.Handler(i) for i in range(20))")
    r = refs_app.client("backrefs", "Handler", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "What refers to 3 of the 20 leakapp.Handler objects: 6 nodes, depth 3",
        "Graph written to backrefs-Handler.svg (6 nodes)"]
    svg = (tmp_path / "backrefs-Handler.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and "attribute &#39;registry&#39;" in svg
    r = refs_app.client("backrefs", "leakapp.Handler", "-f", "g.png", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = refs_app.client("backrefs", "Handler", "-f", "g.dot", cwd=tmp_path)
    assert r.returncode == 0 and "Graph written to g.dot (6 nodes)" in r.stdout
    check = subprocess.run(["dot", "-Tsvg", str(tmp_path / "g.dot")], capture_output=True)
    assert check.returncode == 0 and b"<svg" in check.stdout


def test_without_graphviz_the_client_writes_dot_and_says_how(refs_app, tmp_path):
    refs_app.do("leakapp.registry['bucket'].append(leakapp.Handler(0))")
    env = dict(refs_app.client_env, PATH=str(tmp_path / "no-such-dir"))
    r = subprocess.run([CLIENT, str(refs_app.pid), "backrefs", "Handler", "-f", "leak"],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=30)
    assert r.returncode == 0, r.stderr
    assert ("Graph written to leak.dot (4 nodes). Graphviz's dot is not installed here; draw "
            "it with\n  dot -Tsvg leak.dot -o leak.svg\n") in r.stdout
    dot = (tmp_path / "leak.dot").read_text()
    assert not (tmp_path / "leak.svg").exists()
    nodes, edges, _ = parse(dot)
    assert len(nodes) == 4 and "module leakapp" in nodes.values()
    if HAVE_DOT:
        assert subprocess.run(["dot", "-Tsvg", str(tmp_path / "leak.dot")],
                              capture_output=True).returncode == 0


def test_objgraph_show_backrefs_and_show_refs_match_objgraph(refs_app, tmp_path):
    refs_app.do("for i in range(30): leakapp.registry['bucket'].append(leakapp.Handler(i))")
    raw = refs_app.raw()
    raw.hello()
    status, out, err = raw.command("exec", f"""
import io, re, objgraph as o_graph, leakapp
from eww import objgraph
target = leakapp.registry['bucket'][7]
def graph(dot):
    return (sorted(set(re.findall(r'(o\\d+) -> (o\\d+)', dot))),
            sorted(set(re.findall(r'^  (o\\d+)\\[label=', dot, re.M))))
for ours, theirs in ((objgraph.show_backrefs, o_graph.show_backrefs),
                     (objgraph.show_refs, o_graph.show_refs)):
    for kw in ({{}}, {{'max_depth': 2}}, {{'too_many': 3}},
               {{'filter': lambda o: not isinstance(o, dict)}}):
        a, b = io.StringIO(), io.StringIO()
        ours([target], output=a, **kw)
        theirs([target], output=b, **kw)
        assert graph(a.getvalue()) == graph(b.getvalue()), (ours, kw, a.getvalue(), b.getvalue())
a = io.StringIO()
objgraph.show_backrefs(target, output=a, extra_ignore=[id(leakapp.registry['bucket'])],
                       refcounts=True, extra_info=lambda o: 'info!', shortnames=False,
                       highlight=lambda o: isinstance(o, list),
                       extra_node_attrs=lambda o: {{'tooltip': 'tip'}})
dot = a.getvalue()
assert 'list\\\\n30 items' not in dot and 'leakapp.Handler [' in dot, dot
assert '\\\\ninfo!' in dot and 'tooltip="tip"' in dot
assert '1 more backreferences' not in dot
objgraph.show_backrefs(target, filename={str(tmp_path / 'g.dot')!r})
print("ok")
""")
    assert status == 0, out + err
    assert out.startswith(f"Graph written to {tmp_path / 'g.dot'} (") and out.endswith("ok\n")
    assert (tmp_path / "g.dot").read_text().startswith("digraph ObjectGraph {")


def test_referrers_in_the_frozen_generation_are_found(refs_app):
    # gc.freeze() moves every object out of gc.get_objects()' sight; a heap walk finds them.
    refs_app.do("leakapp.frozen = [leakapp.Handler(5)]; import gc; gc.freeze()")
    assert refs_app.do("print(len(gc.get_objects()) < 100, flush=True)") == ["True"]
    nodes, edges, _ = parse(backrefs(refs_app, "Handler")[1])
    target = node_of(nodes, "leakapp.Handler at 0x")
    frozen = node_of(nodes, "list at 0x")
    assert (frozen, target, "list index 0") in edges
    assert (node_of(nodes, "module leakapp"), frozen, "attribute 'frozen'") in edges
