"""Is there a leak? Counters, graphs, charts and memory, end to end (issue: stats)."""

import json
import os
import re
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

import pytest

import eww
from conftest import CLIENT, UNDER_ASAN, wait_for

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def outdir(tmp_path):
    """The client's working directory, where charts are written."""
    d = tmp_path / "client-cwd"
    d.mkdir()
    return d

TUTORIAL = """
for num in range(500):
    eww.graph('Memory Usage', (num, eww.memory_consumption()))
    eww.incr('requests')
print("LEAKED", flush=True)
time.sleep(60)
"""


def polyline_points(path):
    root = ET.parse(path).getroot()  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg" and root.get("version") == "1.1"
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 1
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    return lines[0].get("points").split(), texts


def test_eww_tutorial_flow(make_app, outdir):
    app = make_app(TUTORIAL)
    assert app.readline() == "LEAKED"
    r = app.client("stats")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Counters:\n  requests:500\nGraphs:\n  Memory Usage:500\n"
    r = app.client("stats", "-g", "Memory Usage", cwd=outdir)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Chart written to Memory Usage.svg\n"
    r = app.client("stats", "-g", "Memory Usage", "-f", "memory_usage_after_fix", cwd=outdir)
    assert r.stdout == "Chart written to memory_usage_after_fix.svg\n"
    assert sorted(os.listdir(outdir)) == ["Memory Usage.svg", "memory_usage_after_fix.svg"]
    for name in os.listdir(outdir):
        points, texts = polyline_points(outdir / name)
        assert len(points) == 500
        assert "Memory Usage" in texts  # the title
        assert any(t.endswith(" MiB") for t in texts)  # byte ticks in MiB
        assert "x" in texts and "MiB" in texts  # the axis names: y in the ticks' unit
        assert "bytes" not in texts
        assert "500 points" in texts
    # the app wrote nothing in its own directory
    assert not any(f.endswith(".svg") for f in os.listdir(os.getcwd()))


def test_interactive_quoting_of_graph_names(make_app, outdir):
    app = make_app(TUTORIAL)
    assert app.readline() == "LEAKED"
    r = subprocess.run([CLIENT, str(app.pid)], input="stats -g 'Memory Usage' -t \"My <chart>\"\n",
                       capture_output=True, text=True, env=app.client_env, cwd=outdir,
                       timeout=30)
    assert "Chart written to Memory Usage.svg" in r.stdout
    _, texts = polyline_points(outdir / "Memory Usage.svg")
    assert "My <chart>" in texts


def test_axis_titles_are_set_with_x_and_y(make_app, outdir):
    app = make_app(TUTORIAL)
    assert app.readline() == "LEAKED"
    r = app.client("stats", "-g", "Memory Usage", "-x", "requests served", "-y", "RSS (MiB)",
                   cwd=outdir)
    assert r.returncode == 0, r.stderr
    _, texts = polyline_points(outdir / "Memory Usage.svg")
    assert "requests served" in texts and "RSS (MiB)" in texts
    assert "x" not in texts and "MiB" not in texts
    env = dict(app.client_env, COLUMNS="100", LINES="30")
    r = subprocess.run([CLIENT, str(app.pid), "stats", "-p", "Memory Usage", "-x", "requests",
                        "-y", "RSS"], capture_output=True, text=True, env=env, timeout=30)
    lines = r.stdout.splitlines()
    # the axes' titles join the header (the last tick label ends at the right edge)
    assert "Memory Usage  (y: RSS, x: requests; 500 points)" in lines[0], lines[0]
    r = app.client("stats", "-x", "requests")
    assert r.returncode == 1 and "-x and -y go with -g or -p" in r.stderr


def test_chart_downsamples_more_points_than_pixels(make_app, outdir):
    app = make_app(
        """
        import math
        for i in range(5000):
            eww.graph('wave', (i, math.sin(i / 50) * 1000 + (5000 if i == 2345 else 0)))
        print("DONE", flush=True)
        time.sleep(60)
        """,
        embed="eww.embed(max_datapoints=10000)")
    assert app.readline() == "DONE"
    r = app.client("stats", "-g", "wave", cwd=outdir)
    assert r.returncode == 0, r.stderr
    points, texts = polyline_points(outdir / "wave.svg")
    assert len(points) == 678  # the plot's width in pixels
    assert not any("MiB" in t for t in texts)  # not a memory graph: plain numbers
    ys = sorted(float(p.split(",")[1]) for p in points)
    assert ys[0] < ys[1] - 100  # the spike (one point far above the rest) survived


def test_ring_drops_oldest_and_says_so(make_app):
    app = make_app(
        """
        for i in range(250):
            eww.graph('latency', (i, i * 2))
        print("DONE", flush=True)
        time.sleep(60)
        """,
        embed="eww.embed(max_datapoints=100)")
    assert app.readline() == "DONE"
    r = app.client("stats")
    assert "  latency:100 (150 older points dropped)\n" in r.stdout
    r = app.client("stats", "latency")
    lines = r.stdout.splitlines()
    assert lines[0] == "# latency: 100 points (150 older points dropped)"
    assert lines[2:] == [f"{i} {i * 2}" for i in range(150, 250)]
    data = json.loads(app.client("stats", "latency", "--json").stdout)
    assert data["kind"] == "graph" and data["dropped"] == 150
    assert data["points"][0] == [150, 300] and len(data["points"]) == 100
    data = json.loads(app.client("stats", "--json").stdout)
    assert data == {"counters": {}, "graphs": {"latency": {"points": 100, "dropped": 150}},
                    "max_datapoints": 100}


def test_counters_and_json(make_app):
    app = make_app(
        """
        eww.incr('requests'); eww.incr('requests', 41); eww.decr('workers', n=2)
        eww.put('load', 0.1); eww.put('queue', 7); eww.put('queue', 9)
        print("DONE", flush=True)
        time.sleep(60)
        """)
    assert app.readline() == "DONE"
    r = app.client("stats")
    assert r.stdout.startswith("Counters:\n  requests:42\n  workers:-2\n  load:0.1\n  queue:9\n")
    assert json.loads(app.client("stats", "--json").stdout)["counters"] == {
        "requests": 42, "workers": -2, "load": 0.1, "queue": 9}
    assert app.client("stats", "load").stdout == "load:0.1\n"
    assert json.loads(app.client("stats", "queue", "--json").stdout) == {
        "name": "queue", "kind": "counter", "value": 9}


def test_counters_from_8_threads_sum_exactly(make_app):
    app = make_app(
        """
        import threading
        def work():
            for _ in range(20000):
                eww.incr('hits')
                eww.incr('bytes', 3)
        ts = [threading.Thread(target=work) for _ in range(8)]
        for t in ts: t.start()
        for t in ts: t.join()
        print("DONE", flush=True)
        time.sleep(60)
        """)
    assert app.readline() == "DONE"
    assert app.client("stats", "hits").stdout == "hits:160000\n"
    assert app.client("stats", "bytes").stdout == "bytes:480000\n"


def test_terminal_chart(make_app):
    app = make_app(TUTORIAL)
    assert app.readline() == "LEAKED"
    env = dict(app.client_env, COLUMNS="100", LINES="30")
    r = subprocess.run([CLIENT, str(app.pid), "stats", "-p", "Memory Usage"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "Memory Usage  (500 points)" in lines[0]
    assert len(lines) == 26
    assert all(len(line) <= 100 for line in lines)
    assert any("MiB ┤" in line for line in lines)
    braille = sum("\u2801" <= ch <= "\u28ff" for line in lines for ch in line)
    assert braille > 60  # a line across the chart
    assert re.search(r"└[─┬]+$", lines[-2])


def test_stats_errors_are_clear(make_app, outdir):
    app = make_app("eww.incr('requests'); eww.graph('g', (1, 2)); time.sleep(60)")
    cases = [
        (["stats", "nope"], "stats: no stat named 'nope' (type 'stats' to list them)"),
        (["stats", "-g", "requests"], "stats: 'requests' is a counter; only graphs can be charted"),
        (["stats", "-g", "g", "-f", "../x"], "-f takes a plain file name"),
        (["stats", "-g", "g", "-f", ".hidden"], "-f takes a plain file name"),
        (["stats", "-q"], "stats: unknown option '-q'"),
        (["stats", "-g"], "stats: missing value after '-g'"),
        (["stats", "-g", "g", "-p", "g"], "choose one of -g and -p"),
        (["stats", "-f", "x"], "-f goes with -g"),
        (["stats", "a", "b"], "stats: unexpected argument 'b'"),
    ]
    for args, message in cases:
        r = app.client(*args, cwd=outdir)
        assert r.returncode == 1, args
        assert message in r.stderr, (args, r.stderr)
    assert "usage: stats [NAME] [--json]\n       stats -g NAME" in app.client("stats", "-q").stderr
    assert os.listdir(outdir) == []


def test_stats_answered_while_main_thread_holds_the_gil(make_app):
    app = make_app(
        """
        eww.incr('requests', 7)
        print("BUSY", flush=True)
        sum(range(10**10))
        """)
    assert app.readline() == "BUSY"
    time.sleep(0.2)
    r = app.client("stats", timeout=10)
    assert r.returncode == 0 and "requests:7" in r.stdout
    r = app.client("stats", "--json", timeout=10)
    assert json.loads(r.stdout)["counters"] == {"requests": 7}


def test_memory_consumption_follows_allocations(make_app):
    app = make_app(
        """
        before = eww.memory_consumption()
        block = b"\\x01" * (100 << 20)
        during = eww.memory_consumption()
        del block
        after = eww.memory_consumption()
        print("MC", before, during, after, flush=True)
        time.sleep(60)
        """)
    before, during, after = map(int, app.readline().split()[1:])
    mib = 1 << 20
    assert 95 * mib <= during - before <= 110 * mib
    if not UNDER_ASAN:  # ASan keeps freed memory in quarantine
        assert abs(after - before) < 10 * mib  # the current RSS, not the peak
    status = open(f"/proc/{app.pid}/status").read()
    vmrss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024
    assert abs(vmrss - after) < 10 * mib


def test_sample_memory_records_rss_from_a_native_thread(make_app):
    app = make_app("time.sleep(60)", embed="eww.embed(sample_memory=0.05)")
    names = lambda: [open(f"/proc/{app.pid}/task/{t}/comm").read().strip()  # noqa: E731
                     for t in os.listdir(f"/proc/{app.pid}/task")]
    assert "eww-sampler" in names()
    assert wait_for(lambda: int(re.search(r"memory:(\d+)", app.client("stats").stdout
                                          or "memory:0").group(1)) >= 5)
    data = json.loads(app.client("stats", "memory", "--json").stdout)
    xs = [p[0] for p in data["points"]]
    # Samples keep to deadlines 0.05 s apart: one may come late on a loaded machine (and the
    # next one sooner), but on average they are as far apart as asked.
    mean = (xs[-1] - xs[0]) / (len(xs) - 1)
    assert xs == sorted(xs) and 0.04 <= mean < 0.5, xs
    assert all(p[1] > 1 << 20 for p in data["points"])


def test_sampler_stops_with_the_console(make_app):
    app = make_app(
        """
        eww.remove()
        def names():
            out = []
            for t in os.listdir("/proc/self/task"):
                try:  # a thread that ends between the listing and the read is gone
                    out.append(open(f"/proc/self/task/{t}/comm").read().strip())
                except OSError:
                    pass
            return sorted(n for n in out if n.startswith("eww-"))
        deadline = time.monotonic() + 10  # a detached thread may still be on its way out
        while names() and time.monotonic() < deadline:
            time.sleep(0.01)
        print("TASKS", " ".join(names()), flush=True)
        time.sleep(60)
        """, embed="eww.embed(sample_memory=0.05)")
    assert app.readline() == "TASKS "


def test_memory_command(make_app):
    app = make_app("junk = [bytearray(1000) for _ in range(10000)]; time.sleep(60)")
    r = app.client("memory")
    assert r.returncode == 0, r.stderr
    for label in ("RSS now", "RSS peak", "USS", "PSS", "in use", "free, kept",
                  "pymalloc arenas", "allocated blocks"):
        assert re.search(rf"^  {label} +\S", r.stdout, re.M), label
    data = json.loads(app.client("memory", "--json").stdout)
    assert data["rss_bytes"] > 10 << 20 and data["peak_rss_bytes"] >= data["rss_bytes"]
    assert data["uss_bytes"] > 0 and data["pss_bytes"] >= data["uss_bytes"] * 0.5
    if not UNDER_ASAN:  # ASan replaces glibc's malloc, whose numbers mallinfo2 reports
        assert data["malloc"]["in_use_bytes"] > 10_000_000  # the 10,000 bytearrays live in malloc
    if os.environ.get("PYTHONMALLOC") != "malloc":  # without pymalloc Python counts none
        assert data["allocated_blocks"] > 10000
    r = app.client("memory", "--bogus")
    assert r.returncode == 1 and "memory: unknown option '--bogus'" in r.stderr


def test_limit_on_distinct_names(make_app):
    app = make_app(
        """
        for i in range(5):
            eww.incr(f"c{i}")
        try:
            eww.incr("one too many")
        except RuntimeError as exc:
            print("ERR", exc, flush=True)
        eww.incr("c0")  # existing names still work
        time.sleep(60)
        """, embed="eww.embed(max_names=5)")
    assert app.readline() == ("ERR cannot add stat 'one too many': the limit of 5 names is "
                              "reached (raise it with eww.embed(max_names=...))")
    assert app.client("stats", "c0").stdout == "c0:2\n"


@pytest.mark.parametrize("call, exc, message", [
    (lambda: eww.incr(3), TypeError, "a stat name must be a str, not int"),
    (lambda: eww.incr("x", 1.5), TypeError, "incr() n must be an int, not float"),
    (lambda: eww.incr("x", n=2**70), OverflowError, "does not fit a 64-bit integer"),
    (lambda: eww.incr("x", m=1), TypeError, "unexpected keyword argument 'm'"),
    (lambda: eww.put("x", "1"), TypeError, "put() value must be an int or a float, not str"),
    (lambda: eww.put("x", float("inf")), ValueError, "values must be finite"),
    (lambda: eww.graph("g", (1,)), TypeError, "graph() point must be a pair (x, y)"),
    (lambda: eww.graph("g", 5), TypeError, "graph() point must be a pair (x, y), not int"),
    (lambda: eww.graph("g", (1, "2")), TypeError, "coordinates must be numbers, not str"),
    (lambda: eww.graph("g", (float("nan"), 1)), ValueError, "coordinates must be finite"),
    (lambda: eww.graph("g", (10**400, 1)), OverflowError, "too large"),
    (lambda: eww.incr(""), ValueError, "the name must not be empty"),
    (lambda: eww.incr("x" * 201), ValueError, "longer than 200 bytes"),
])
def test_recording_rejects_bad_arguments(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert message in str(info.value)


def test_recording_kind_mismatch():
    eww.graph("test kind graph", (1, 2))
    eww.incr("test kind counter")
    with pytest.raises(TypeError, match="'test kind graph' is a graph, not a counter"):
        eww.incr("test kind graph")
    with pytest.raises(TypeError, match="'test kind counter' is a counter, not a graph"):
        eww.graph("test kind counter", (1, 2))
