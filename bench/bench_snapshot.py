"""How long the app stops while a heap question is answered: eww on a snapshot, eww on the
live heap, and pympler, objgraph and guppy3, side by side in one run.

One app builds bench_heap.py's heap (N leaked instances, each with an int, a str, a list and
a tuple of its own) and runs a ticker thread that wakes every millisecond and records the
longest gap between two of its ticks: the longest time the app could not run Python. Each
question is asked while the ticker runs, and the gap during it is the app's pause:

- eww's console commands through the real client, with `walk snapshot` and `walk live`
  (wall time from the client's side; the snapshot's own memory from summary --json);
- the anchors' calls for the same questions, made in a thread of the app.

    python bench/bench_snapshot.py [-n 3000000] [--skip-slow] [--repeat 3]

--skip-slow leaves out pympler (minutes a call at N = 3,000,000). Ratios are per question:
the in-process walk's pause over the snapshot's, and the snapshot's wall time over the
in-process walk's.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from bench_heap import BUILD
from console import Conn

# bench_heap.py's heap (BUILD), then a ticker and the console.
APP = BUILD + r"""
import threading
import eww
worst = [0.0]
def ticker():
    last = time.perf_counter()
    while True:
        time.sleep(0.001)
        now = time.perf_counter()
        if now - last > worst[0]:
            worst[0] = now - last
        last = now
threading.Thread(target=ticker, daemon=True).start()
print("READY", eww.embed(), rss("VmRSS:"), flush=True)
for line in sys.stdin:                       # anchors' calls, asked by the benchmark
    code = line.strip().replace("\\n", "\n")
    box = {}
    def run():
        t0 = time.perf_counter()
        try:
            exec(code, {"leak": leak, "Leaky": Leaky}, box)
        except Exception as e:                # an anchor not installed, say
            box["error"] = repr(e)
        box["t"] = time.perf_counter() - t0
    worst[0] = 0.0
    th = threading.Thread(target=run)
    th.start()
    th.join()
    if "error" in box:
        print("FAILED", box["error"], flush=True)
    else:
        print("RESULT", box["t"], worst[0], flush=True)
"""

ANCHORS = {
    "summary": [
        ("pympler summarize(muppy.get_objects())",
         "from pympler import muppy, summary\nsummary.summarize(muppy.get_objects())", True),
        ("guppy3 hpy().heap()", "from guppy import hpy\nhpy().heap().size", False),
    ],
    "diff": [
        ("pympler SummaryTracker.diff()",
         "from pympler import tracker\ntracker.SummaryTracker().diff()", True),
    ],
    "growth": [
        ("objgraph show_growth", "import objgraph, io\nobjgraph.show_growth(file=io.StringIO())",
         False),
    ],
    "chain TYPE": [
        ("objgraph find_backref_chain",
         "import objgraph, sys\nobjgraph.find_backref_chain(leak[len(leak)//2], "
         "objgraph.is_proper_module)", False),
    ],
    "backrefs": [
        ("objgraph show_backrefs (3 levels)",
         "import objgraph, io\nobjgraph.show_backrefs([leak[len(leak)//2]], max_depth=3, "
         "output=io.StringIO())", False),
    ],
    "leaking": [
        ("objgraph get_leaking_objects", "import objgraph\nlen(objgraph.get_leaking_objects())",
         False),
    ],
}

QUESTIONS = {
    "summary": ["summary", "-n", "5"],
    "diff": ["diff"],
    "growth": ["growth"],
    "chain TYPE": ["chain", "Leaky", "-n", "1"],
    "backrefs": ["backrefs", "Leaky", "-d", "3", "-f", "-"],
    "leaking": ["leaking", "-n", "3"],
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3_000_000)
    ap.add_argument("--skip-slow", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sockdir = tempfile.mkdtemp(prefix="eww-bench-")
    env = dict(os.environ, EWW_SOCKET_DIR=sockdir)
    app = subprocess.Popen([sys.executable, "-c", APP.replace("range(N)", f"range({args.n})")],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    ready = app.stdout.readline().split()
    assert ready[0] == "READY", ready
    path, rss = ready[1], int(ready[2])
    con = Conn(path)
    objects = json.loads(con.command("summary", "--json", "-n", "1")[1])["objects"]
    print(f"N = {args.n:,}: {objects:,} objects, RSS {rss / 2**20:.0f} MiB; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; best of {args.repeat}")
    print(f"{'question':<11} {'how':<40} {'pause ms':>9} {'wall s':>8} {'own MiB':>8}")

    def ask(mode, argv):
        """The best of --repeat runs, each figure its own best: (pause, wall, own MiB)."""
        con.command("walk", mode)
        pauses, walls, owns = [], [], []
        for _ in range(args.repeat):
            con.command("exec", "worst[0] = 0.0")
            t0 = time.perf_counter()
            status, out, err = con.command(*argv)
            walls.append(time.perf_counter() - t0)
            assert status == 0, err
            pauses.append(float(con.command("exec", "print(worst[0])")[1]))
            if argv[0] == "summary":
                data = json.loads(con.command(*argv, "--json")[1])
                if data["snapshot"]:
                    owns.append(data["snapshot_bytes"] / 2**20)
        return min(pauses), min(walls), min(owns) if owns else None

    for q, argv in QUESTIONS.items():
        if q == "diff":
            ask("snapshot", argv)  # the baseline
        snap = ask("snapshot", argv)
        live = ask("live", argv)
        for how, (pause, wall, own) in (("eww, snapshot", snap), ("eww, live heap", live)):
            own_s = f"{own:8.1f}" if own is not None else f"{'':>8}"
            print(f"{q:<11} {how:<40} {pause * 1e3:9.1f} {wall:8.3f} {own_s}")
        for label, code, slow in ANCHORS.get(q, []):
            if slow and args.skip_slow:
                continue
            app.stdin.write(code.replace("\n", "\\n") + "\n")
            app.stdin.flush()
            line = app.stdout.readline().split()
            if not line or line[0] != "RESULT":
                print(f"{q:<11} {label:<40} failed: {' '.join(line[1:])}")
                continue
            t, pause = float(line[1]), float(line[2])
            print(f"{q:<11} {label:<40} {pause * 1e3:9.1f} {t:8.3f}")
        print(f"{'':<11} ratios: pause live/snapshot {live[0] / max(snap[0], 1e-6):.0f}x, "
              f"wall snapshot/live {snap[1] / live[1]:.2f}x")
    app.kill()


if __name__ == "__main__":
    main()
