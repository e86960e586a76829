"""`hunt`: a whole leak hunt in one command (issue: hunt). Each app leaks in its own way (or
only churns) while a real `eww PID hunt` samples it; the report must name the leak right.

The apps leak at a pace set by their own clock, hunts sample every 0.2 s for 3 s, and the
assertions are about names and kinds (never an exact count or rate), so a loaded machine
slows everything down without changing an answer."""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

import pytest

from conftest import INTERRUPT, PROGRESS, UNDER_ASAN, frame, wait_for

HUNT = ("hunt", "--for", "3", "--every", "0.2")

# Each app's main loop does one unit of work every 5 ms of its own clock (catching up after
# a stall), so that whatever it leaks grows in every interval of a hunt.
PACED = """
import threading
def paced(step, period=0.005):
    t = time.monotonic()
    n = 0
    while True:
        n += 1
        step(n)
        t += period
        delay = t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
"""

# A service's normal life: a bounded cache that churns, temporary lists and dicts, a worker
# thread doing the same. It is warmed up (the cache full) before it says READY.
CHURN = """
import collections, random
cache = collections.OrderedDict()
def churn(n):
    key = random.randrange(100000)
    cache[key] = {"id": key, "body": "r" * random.randrange(10, 400), "tags": [key] * 5}
    if len(cache) > 2000:
        cache.popitem(last=False)
    tmp = [str(i) for i in range(random.randrange(1, 200))]
    del tmp
def worker():
    local = []
    while True:
        local.append(bytearray(random.randrange(1, 5000)))
        if len(local) > 50:
            local.clear()
        time.sleep(0.001)
threading.Thread(target=worker, daemon=True).start()
for i in range(3000):
    churn(i)
"""


def hunt_json(app, *extra):
    r = app.client(*HUNT, *extra, "--json", timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def growing(report):
    return [g["type"] for g in report["growing"]]


def start(make_app, body, tmp_path=None, **kw):
    code = PACED + body + '\nprint("GO", flush=True)\npaced(step)\n'
    if tmp_path is None:
        app = make_app(code, **kw)
    else:
        script = tmp_path / "app.py"
        script.write_text("import eww, sys, os, time\neww.embed()\n" + code)
        app = make_app(argv=[sys.executable, str(script)])
    assert app.readline() == "GO"
    return app


def test_a_list_in_a_module(make_app):
    app = start(make_app, """
class Handler:
    def __init__(self, n):
        self.n = n
registry = []
def step(n):
    registry.append(Handler(n))
""")
    r = app.client(*HUNT, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "1. Is there a leak? Yes: live Python objects accumulate." in out
    assert "__main__.Handler" in out.split("2. What leaks?")[1]
    where = out.split("3. Where?")[1]
    assert "module __main__ -> attribute 'registry' -> list index *" in where
    report = hunt_json(app)
    assert report["leak"] is True and report["kind"] == "objects"
    handler = next(g for g in report["growing"] if g["type"] == "__main__.Handler")
    assert handler["objects_per_second"] > 0 and handler["count_delta"] > 0
    assert any("attribute 'registry'" in c["chain"] for c in handler["chains"])


def test_in_process_when_snapshots_are_off(make_app):
    app = start(make_app, """
class Job:
    pass
queue = []
def step(n):
    queue.append(Job())
""", embed="eww.embed(snapshot=False)")
    r = app.client(*HUNT, "--json", timeout=120)
    assert r.returncode == 0, r.stderr
    # every sample walks in process; the note says so once
    assert r.stderr.count("walking the live heap in process") == 1, r.stderr
    report = json.loads(r.stdout)
    assert report["kind"] == "objects" and "__main__.Job" in growing(report)


def test_a_bound_method_registry(make_app):
    app = start(make_app, """
class Listener:
    def on_event(self, e):
        pass
callbacks = []
def step(n):
    callbacks.append(Listener().on_event)
""")
    report = hunt_json(app, "-n", "5")
    assert report["kind"] == "objects"
    types = growing(report)
    assert "__main__.Listener" in types and "method" in types
    listener = next(g for g in report["growing"] if g["type"] == "__main__.Listener")
    assert any("attribute 'callbacks'" in c["chain"] for c in listener["chains"]), listener


def test_a_thread_local(make_app):
    app = start(make_app, """
class Session:
    pass
state = threading.local()
def leaker():
    state.sessions = []
    while True:
        state.sessions.append(Session())
        time.sleep(0.005)
threading.Thread(target=leaker, name="leaker", daemon=True).start()
def step(n):
    pass
""")
    report = hunt_json(app)
    assert report["kind"] == "objects"
    assert growing(report)[:3].count("__main__.Session") == 1, growing(report)
    session = next(g for g in report["growing"] if g["type"] == "__main__.Session")
    assert session["chains"] and session["chains"][0]["count"] > 0


def test_strings(make_app):
    app = start(make_app, """
seen = []
def step(n):
    seen.append(f"request {n} from client " + "x" * 200)
""")
    report = hunt_json(app)
    assert report["kind"] == "objects"
    assert growing(report)[0] == "str", growing(report)
    # of all the strings alive (the interpreter's own among them), the group that grew in the
    # hunt's second half comes first: where the new ones are
    first = report["growing"][0]["chains"][0]
    assert "attribute 'seen' -> list index *" in first["chain"], report["growing"][0]["chains"]
    assert first["count_delta"] > 0


@pytest.mark.skipif(UNDER_ASAN, reason="ASan replaces malloc: mallinfo2 sees nothing")
def test_a_native_leak_through_ctypes(make_app):
    app = start(make_app, """
import ctypes, ctypes.util
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
def step(n):
    p = libc.malloc(20000)
    ctypes.memset(p, 1, 20000)   # touched: resident
""")
    report = hunt_json(app)
    assert report["kind"] == "native", report["verdict"]
    assert report["leak"] is True and growing(report) == []
    in_use = next(m for m in report["memory"] if m["name"] == "malloc_in_use")
    assert in_use["rising"] is True and in_use["bytes_per_second"] > 0


@pytest.mark.skipif(UNDER_ASAN, reason="ASan replaces malloc: mallinfo2 sees nothing")
def test_fragmentation_through_ctypes(make_app):
    # Each step leaves a hole malloc keeps but cannot reuse: a block freed in front of one
    # that stays (made as large, so that it comes from the heap's top, then shrunk to a few
    # bytes, kept in a C array), each hole a little smaller than the next step asks for.
    # malloc's free memory grows; what is in use, and Python's objects, do not.
    app = start(make_app, """
import ctypes, ctypes.util
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = libc.realloc.restype = ctypes.c_void_p
libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
pins = (ctypes.c_void_p * 100000)()
def step(n):
    size = min(2048 + 16 * n, 60000)
    hole, pin = libc.malloc(size), libc.malloc(size)
    pins[n % 100000] = libc.realloc(pin, 24)
    libc.free(hole)
""")
    report = hunt_json(app)
    assert report["kind"] == "fragmentation", report["verdict"]
    assert growing(report) == []
    free = next(m for m in report["memory"] if m["name"] == "malloc_free")
    assert free["rising"] is True and free["bytes_per_second"] > 0
    assert "malloc_trim" in report["verdict"]


def test_churn_only_is_no_leak(make_app):
    app = start(make_app, CHURN + "\nstep = churn\n")
    r = app.client(*HUNT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "2. What leaks? No type grew steadily." in r.stdout, r.stdout
    if not UNDER_ASAN:  # ASan's quarantine makes RSS grow whatever the app does
        assert "1. Is there a leak? No leak found." in r.stdout, r.stdout
    assert re.search(r"\(([1-9][0-9,]*) types? changed", r.stdout) or UNDER_ASAN, r.stdout


def traced_app(make_app, tmp_path):
    """An app in a file (so that tracebacks have source lines and functions) leaking Orders
    from place_order(), with allocation tracing on."""
    app = start(make_app, """
class Order:
    __slots__ = ("lines",)
    def __init__(self, n):
        self.lines = [n] * 20
orders = []
def place_order(n):
    orders.append(Order(n))
def step(n):
    place_order(n)
""", tmp_path)
    assert app.client("trace", "on").returncode == 0
    return app


def test_where_with_tracing_on(make_app, tmp_path):
    app = traced_app(make_app, tmp_path)
    report = hunt_json(app)
    order = next(g for g in report["growing"] if g["type"] == "__main__.Order")
    assert report["tracing"] is True and order["where"] is not None
    frames = order["where"]["sites"][0]["traceback"]
    assert any(f["function"] == "place_order" for f in frames), frames


def test_json_keys(make_app):
    app = start(make_app, """
items = []
def step(n):
    items.append([n])
""")
    report = hunt_json(app)
    assert sorted(report) == ["duration_seconds", "growing", "interval_seconds", "kind", "leak",
                              "memory", "samples", "series", "stopped_early", "tracing",
                              "types_changed", "verdict"]
    assert report["samples"] >= 16 and report["stopped_early"] is False
    assert sorted(report["series"]) == ["allocated_blocks", "malloc_free_bytes",
                                        "malloc_in_use_bytes", "objects", "python_objects_bytes",
                                        "rss_bytes", "seconds"]
    assert all(len(v) == report["samples"] for v in report["series"].values())
    for m in report["memory"]:
        unit = "_bytes" if m["name"] not in ("allocated_blocks", "objects") else ""
        rate = "bytes_per_second" if unit else "count_per_second"
        assert sorted(m) == sorted(["name", "first" + unit, "last" + unit, rate, "rising"])
    top = report["growing"][0]
    assert sorted(top) == ["bytes_per_second", "chains", "count", "count_delta",
                           "intervals_grown", "objects_per_second", "size_bytes",
                           "size_delta_bytes", "type", "where"]
    assert all(sorted(c) == ["chain", "count", "count_delta", "example_id"]
               for c in top["chains"])


def test_bad_arguments(app):
    for args, text in [(("--for", "soon"), "takes a duration like 30s"),
                       (("--every", "0"), "takes a duration"),
                       (("--for", "1", "--every", "5"), "longer than --for"),
                       (("--every", "10ms"), "at least 100ms"),
                       (("--for", "10h", "--every", "1"), "too many"),
                       (("--html", "../x.html"), "plain file name"),
                       (("--json", "--html", "x.html"), "not both"),
                       (("-n", "0"), "hunt"),
                       (("--frobnicate",), "unknown option")]:
        r = app.client("hunt", *args)
        assert r.returncode != 0 and text in r.stderr, (args, r.stderr)


def test_ctrl_c_ends_early_with_a_report(make_app):
    app = start(make_app, """
kept = []
def step(n):
    kept.append(object())
""")
    raw = app.raw()
    raw.hello()
    raw.send(frame(2, b"hunt\0--for\x0060\0--every\x000.2\0"))
    progress = []
    while len([p for p in progress if p.startswith("hunt: sample")]) < 5:
        ftype, payload = raw.recv_frame()
        assert ftype == PROGRESS, (ftype, payload)
        progress.append(payload.decode())
    assert "of 301" in progress[-1]
    raw.send(frame(INTERRUPT))
    status, out, err = raw.until_done()
    assert status == 0, err
    assert "ended early by Ctrl-C" in out and "stopped by the client" not in err
    assert "1. Is there a leak?" in out
    raw.close()


# ---- the HTML report, drawn by a real browser -------------------------------------------

def png_pixels(path):
    """The RGB(A) rows of a PNG (8-bit, non-interlaced, as Chromium writes them)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, color, _, _, interlace = head
    assert depth == 8 and interlace == 0 and color in (2, 6)
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not chromium(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_report_in_a_browser(make_app, tmp_path):
    app = traced_app(make_app, tmp_path)
    r = app.client(*HUNT, "--html", "hunt.html", cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("Report written to hunt.html\n")
    # the terminal report too, with the allocation sites
    assert "1. Is there a leak? Yes" in r.stdout
    assert "allocated at (most recent call last):" in r.stdout and "in place_order" in r.stdout
    page = (tmp_path / "hunt.html").read_text()
    # self-contained: no script, nothing fetched
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert page.count("<svg") >= 4 and "__main__.Order" in page and "attribute 'orders'" in page
    assert "in place_order" in page
    # the growth of a chain's group, signed and grouped as the terminal report writes counts
    grew = re.findall(r"<td>([+-][0-9,]+)</td>", page)
    assert grew and all(re.fullmatch(r"[+-]\d{1,3}(,\d{3})*", g) for g in grew), grew
    # the browser runs as a user's would: not under the sanitizer job's preloaded ASan
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS",
                                                             "UBSAN_OPTIONS", "LSAN_OPTIONS")}
    env["HOME"] = str(tmp_path)
    dom = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                          "--dump-dom", (tmp_path / "hunt.html").as_uri()],
                         capture_output=True, text=True, timeout=120, env=env)
    assert "Yes: live Python objects accumulate" in dom.stdout
    assert dom.stdout.count("<table") >= 3 and dom.stdout.count("<polyline") >= 4
    shot = tmp_path / "shot.png"
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--window-size=1200,1800", f"--screenshot={shot}",
                    (tmp_path / "hunt.html").as_uri()],
                   capture_output=True, timeout=120, env=env)
    width, height, bpp, rows = png_pixels(shot)
    assert (width, height) == (1200, 1800)
    blue = dark = 0
    for row in rows:
        for x in range(0, width * bpp, bpp):
            r_, g_, b_ = row[x], row[x + 1], row[x + 2]
            blue += b_ > 150 and r_ < 80 and 80 < g_ < 150  # the charts' lines (#1f6fb4)
            dark += r_ < 90 and g_ < 90 and b_ < 90  # text, axes, table rules
    assert blue > 500, "no chart line drawn"
    assert dark > 5000, "no text or tables drawn"


def test_a_report_larger_than_a_frame(make_app, tmp_path):
    """5,000 leaking types with long names make a page of about 1.5 MiB: it travels as several
    FILE frames (a frame holds at most 1 MiB) and the client joins them into one whole file."""
    app = start(make_app, """
classes = [type(f"Leak{i:05d}_" + "x" * 180, (), {}) for i in range(5000)]
kept = []
def step(n):
    for c in classes[(n % 10) * 500:(n % 10 + 1) * 500]:
        kept.append(c())
""")
    out = tmp_path / "out"
    out.mkdir()
    r = app.client(*HUNT, "--html", "big.html", cwd=out, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("Report written to big.html\n")
    assert [p.name for p in out.iterdir()] == ["big.html"]  # no temporary left
    raw = (out / "big.html").read_bytes()
    assert len(raw) > 1 << 20, len(raw)
    page = raw.decode()
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</body></html>\n")
    assert page.count("<html") == 1 and page.count("</html>") == 1
    # every row of the table is whole: a byte lost or repeated where frames meet breaks one
    said = int(re.search(r"<p>(\d+) types grew steadily", page).group(1))
    table = page.split("by bytes per second:</p>\n<table>", 1)[1].split("</table>", 1)[0]
    rows = table.splitlines()[1:]
    row = re.compile(r"<tr><td>[\w.]+</td>(?:<td>[^<>]+</td>){5}</tr>")
    assert said > 1000 and len(rows) == said, (said, len(rows))
    assert all(row.fullmatch(x) for x in rows), [x for x in rows if not row.fullmatch(x)][:3]
    leaks = [x for x in rows if "Leak" in x]
    whole = re.compile(r"<tr><td>__main__\.Leak\d{5}_x{180}</td>.*")
    assert len(leaks) > 1000 and all(whole.fullmatch(x) for x in leaks)
    assert len(set(leaks)) == len(leaks)
