"""What eww's drop-ins for pympler's classtracker, charts, process and refgraph do where they
go beyond the anchors' own suites (test_anchors runs those): the charts pympler draws with
matplotlib are SVG files from eww's renderer, process numbers equal pympler's, and the DOT
text of a graph is valid for Graphviz."""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

SVG = "{http://www.w3.org/2000/svg}"


def texts(path):
    return [t.text or "" for t in ET.parse(path).iter(SVG + "text")]


def test_html_stats_draws_its_charts_as_svg(tmp_path):
    from eww.classtracker import ClassTracker
    from eww.classtracker_stats import HtmlStats

    class Leaf:
        def __init__(self):
            self.payload = list(range(500))

    tracker = ClassTracker()
    tracker.track_class(Leaf, name="Leaf")
    kept = []
    for n in range(4):
        kept += [Leaf() for _ in range(10)]
        tracker.create_snapshot("round %d" % n)
    del kept[:20]
    tracker.create_snapshot("after")
    tracker.detach_all_classes()

    page = tmp_path / "report.html"
    HtmlStats(tracker=tracker).create_html(str(page))
    files = tmp_path / "report_files"
    title = page.read_text()
    assert '<img src="report_files/timespace.svg">' in title, title
    assert '<a href="report_files/Leaf.html">Leaf</a>' in title
    assert "No per-referent" not in title
    lifetime = files / "Leaf-lt.svg"
    assert '<img src="Leaf-lt.svg">' in (files / "Leaf.html").read_text()
    assert "Leaf instances" in texts(lifetime)
    assert "Instance #" in texts(lifetime)
    labels = texts(files / "timespace.svg")
    assert "Snapshot Memory: tracked total" in labels
    assert any(t.endswith("KiB") for t in labels), labels  # a byte axis


def test_charts_tracker_timespace_writes_svg(tmp_path):
    from eww import charts
    from eww.classtracker import ClassTracker

    class Node:
        pass

    tracker = ClassTracker()
    keep = [Node() for _ in range(3)]
    for obj in keep:
        tracker.track_object(obj)
    tracker.create_snapshot()
    tracker.create_snapshot()
    written = charts.tracker_timespace(str(tmp_path / "ts.png"), tracker.stats)
    assert written == str(tmp_path / "ts.svg")
    assert "Snapshot Memory: tracked total" in texts(written)


PROC = r"""
import json, sys
from %s import process
p = process._ProcessMemoryInfoProc()
print(json.dumps({"available": p.available, "pagesize": p.pagesize,
                  "keys": [k for k, _ in p.os_specific],
                  "fields": sorted(k for k in vars(p) if not k.startswith("_"))}))
"""


def run_json(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_process_info_has_pympler_fields_and_labels():
    pytest.importorskip("pympler")
    ours, theirs = run_json(PROC % "eww"), run_json(PROC % "pympler")
    assert ours == theirs
    assert ours["available"] and "Resident set size" in ours["keys"]


def test_process_numbers_match_pympler_in_one_process():
    pytest.importorskip("pympler")
    from pympler import process as theirs

    from eww import process as ours
    def fields(p):
        return (p.vsz, p.rss, p.data_segment, p.code_segment, p.shared_segment)

    for _ in range(50):  # the process may grow between the two reads: take a quiet pair
        a, b = theirs._ProcessMemoryInfoProc(), ours._ProcessMemoryInfoProc()
        if fields(a) == fields(b):
            break
    assert fields(a) == fields(b)
    assert b.pagefaults >= a.pagefaults


def test_refgraph_dot_is_valid_for_graphviz(tmp_path):
    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed")
    from eww.refgraph import ReferenceGraph

    class Holder:
        pass

    a, b = Holder(), Holder()
    a.peer, b.peer = b, a
    a.note = 'quote " and back\\slash'
    graph = ReferenceGraph([a, b, a.__dict__, b.__dict__, a.note])
    dot = tmp_path / "g.dot"
    graph.write_graph(str(dot))
    out = subprocess.run(["dot", "-Tsvg", str(dot)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('class="node"') == 5
    # (3.13 keeps instance attributes inline: fewer objects between a and b, fewer edges)
    assert out.stdout.count('class="edge"') == len(graph.edges) >= 3
    parts = graph.split_and_sort()
    counts = [p.count for p in parts]
    assert sum(counts) == 5 and counts == sorted(counts, reverse=True) and counts[0] >= 3
    assert os.path.exists(str(dot))
