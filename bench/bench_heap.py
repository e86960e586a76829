"""The heap engine against pympler, objgraph and guppy3, side by side in one run.

Each measurement runs in a fresh subprocess that first builds the same heap: N leaked
instances of a class, each holding an int, a str, a list and a tuple of its own (about 5
objects per instance, plus the interpreter's own). It then reports the time of one operation
and the peak memory it added (VmHWM after minus VmRSS before).

    python bench/bench_heap.py [-n 1000000] [--skip-slow]

--skip-slow leaves out pympler (about 15 s a call at N = 1,000,000).
"""

import argparse
import json
import subprocess
import sys
import time

BUILD = """
import gc, sys, time, json
class Leaky:
    __slots__ = ("id", "name", "items", "pair")
    def __init__(self, i):
        self.id = i + 1000
        self.name = "leak-%d" % i
        self.items = [i]
        self.pair = (i, i + 1)
leak = [Leaky(i) for i in range(N)]
gc.collect()
def rss(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
before = rss("VmRSS:")
"""

OPS = {
    "eww summary (all objects, sizes)":
        "import eww.heap\nt0=time.perf_counter(); rows=eww.heap.summary(); t=time.perf_counter()-t0\n"
        "objects = sum(r[1] for r in rows)",
    "eww diff (after a baseline)":
        "import eww.heap\ntr=eww.heap.Tracker()\nt0=time.perf_counter(); d=tr.diff(); "
        "t=time.perf_counter()-t0\nobjects=len(d)",
    "objgraph typestats (gc objects, no sizes)":
        "import objgraph\nt0=time.perf_counter(); s=objgraph.typestats(); "
        "t=time.perf_counter()-t0\nobjects=sum(s.values())",
    "objgraph show_growth":
        "import objgraph, io\nt0=time.perf_counter(); objgraph.show_growth(file=io.StringIO()); "
        "t=time.perf_counter()-t0\nobjects=0",
    "guppy3 hpy().heap()":
        "from guppy import hpy\nh=hpy()\nt0=time.perf_counter(); x=h.heap(); "
        "t=time.perf_counter()-t0\nobjects=x.count",
    "pympler summarize(muppy.get_objects())":
        "from pympler import muppy, summary\nt0=time.perf_counter(); "
        "rows=summary.summarize(muppy.get_objects()); t=time.perf_counter()-t0\n"
        "objects=sum(r[1] for r in rows)",
    "pympler SummaryTracker.diff()":
        "from pympler import tracker\ntr=tracker.SummaryTracker()\nt0=time.perf_counter(); "
        "d=tr.diff(); t=time.perf_counter()-t0\nobjects=len(d)",
}
SLOW = ("pympler",)


def run(label, op, n):
    code = BUILD.replace("N)", f"{n})") + op + (
        "\nprint(json.dumps({'t': t, 'objects': objects, "
        "'peak': rss('VmHWM:') - before}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=1800)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1_000_000)
    ap.add_argument("--skip-slow", action="store_true")
    args = ap.parse_args()
    print(f"N = {args.n:,} leaked instances; Python {sys.version.split()[0]}")
    print(f"{'operation':<44} {'seconds':>9} {'peak +MiB':>10} {'objects':>12}")
    results = {}
    for label, op in OPS.items():
        if args.skip_slow and any(s in label for s in SLOW):
            continue
        r = run(label, op, args.n)
        results[label] = r
        if "error" in r:
            print(f"{label:<44} error: {r['error']}")
            continue
        print(f"{label:<44} {r['t']:9.3f} {r['peak'] / 2**20:10.1f} {r['objects']:12,}",
              flush=True)
    base = results.get("eww summary (all objects, sizes)", {}).get("t")
    if base:
        print("\nratios (anchor time / eww summary time):")
        for label, r in results.items():
            if "t" in r and not label.startswith("eww"):
                print(f"  {label:<44} {r['t'] / base:8.1f}x")
        d = results.get("eww diff (after a baseline)", {}).get("t")
        p = results.get("pympler SummaryTracker.diff()", {}).get("t")
        if d and p:
            print(f"  pympler diff / eww diff: {p / d:.1f}x")


if __name__ == "__main__":
    main()
