"""Cost of recording stats, side by side in one run.

  - a call of an empty Python function with the same arguments (the budget's unit: eww's
    recording must cost at most 2x that);
  - eww.incr / eww.graph (C, METH_FASTCALL, lock-free lookup, per-entry spinlock);
  - the same operations in py-eww's design: the app thread puts a message on a
    queue.Queue and a consumer thread applies it to dicts of counters and deques;
  - the `stats` round trip through the console (one connection, plain socket client).

    python bench/bench_stats.py [-n 2000000]

Prints ns per call (best of 5 runs) and the ratios.
"""

import argparse
import collections
import os
import queue
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import timeit

import eww


def best_ns(stmt, number, setup_globals):
    times = timeit.repeat(stmt, globals=setup_globals, number=number, repeat=5)
    return min(times) / number * 1e9


class PyEwwStats:
    """py-eww's design: producers enqueue, a daemon thread applies the updates."""

    def __init__(self):
        self.q = queue.Queue()
        self.counters = collections.defaultdict(int)
        self.graphs = collections.defaultdict(lambda: collections.deque(maxlen=500))
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while True:
            kind, name, value = self.q.get()
            if kind == "incr":
                self.counters[name] += value
            elif kind == "graph":
                self.graphs[name].append(value)
            elif kind == "stop":
                return

    def incr(self, name, n=1):
        self.q.put(("incr", name, n))

    def graph(self, name, point):
        self.q.put(("graph", name, point))

    def drain(self):
        self.q.put(("stop", None, None))
        self.t.join()


def frame(t, p=b""):
    return b"EW" + bytes([t, 0]) + struct.pack(">I", len(p)) + p


def stats_round_trip(n):
    with tempfile.TemporaryDirectory() as d:
        sockdir = os.path.join(d, "eww")
        os.mkdir(sockdir, 0o700)
        env = dict(os.environ, EWW_SOCKET_DIR=sockdir)
        code = ("import eww, time\nfor i in range(500): eww.graph('Memory Usage', (i, i))\n"
                "for i in range(20): eww.incr(f'counter{i}')\nprint(eww.embed(), flush=True)\n"
                "time.sleep(3600)")
        app = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                               env=env)
        try:
            path = app.stdout.readline().strip()
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.sendall(frame(1, b"proto=1\nclient=bench\n"))
            buf = b""

            def recv_until_done():
                nonlocal buf
                while True:
                    while len(buf) >= 8:
                        (ln,) = struct.unpack(">I", buf[4:8])
                        if len(buf) < 8 + ln:
                            break
                        ftype = buf[2]
                        buf = buf[8 + ln:]
                        if ftype in (1, 5):
                            return
                    buf += s.recv(65536)

            recv_until_done()
            lat = []
            for i in range(n + 200):
                t0 = time.perf_counter()
                s.sendall(frame(2, b"stats\0"))
                recv_until_done()
                if i >= 200:
                    lat.append(time.perf_counter() - t0)
            lat.sort()
            return statistics.median(lat) * 1e6, lat[int(len(lat) * 0.99)] * 1e6
        finally:
            app.kill()
            app.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2_000_000)
    args = ap.parse_args()
    n = args.n

    def empty(name, n=1):
        pass

    def empty2(name, point):
        pass

    py = PyEwwStats()
    g = {"eww": eww, "incr": eww.incr, "graph": eww.graph, "empty": empty, "empty2": empty2,
         "py": py, "pt": (1.0, 2.0)}
    rows = [
        ("empty Python function f('requests')", "empty('requests')"),
        ("eww.incr('requests')", "incr('requests')"),
        ("py-eww design: queue.put (incr)", "py.incr('requests')"),
        ("empty Python function f('mem', (x, y))", "empty2('Memory Usage', pt)"),
        ("eww.graph('Memory Usage', (x, y))", "graph('Memory Usage', pt)"),
        ("py-eww design: queue.put (graph)", "py.graph('Memory Usage', pt)"),
    ]
    results = {}
    print(f"{'operation':<44} {'ns/call':>9}")
    for label, stmt in rows:
        results[label] = best_ns(stmt, n if "py-eww" not in label else n // 10, g)
        print(f"{label:<44} {results[label]:9.1f}")
    py.drain()
    e1 = results["empty Python function f('requests')"]
    e2 = results["empty Python function f('mem', (x, y))"]
    print()
    print(f"eww.incr  / empty call: {results[rows[1][0]] / e1:5.2f}x   (budget 2x)")
    print(f"eww.graph / empty call: {results[rows[4][0]] / e2:5.2f}x   (budget 2x)")
    print(f"py-eww queue incr  / eww.incr : {results[rows[2][0]] / results[rows[1][0]]:5.1f}x slower")
    print(f"py-eww queue graph / eww.graph: {results[rows[5][0]] / results[rows[4][0]]:5.1f}x slower")
    med, p99 = stats_round_trip(5000)
    print(f"\nstats round trip (20 counters, 1 graph): median {med:.1f} us, p99 {p99:.1f} us "
          "(budget < 1 ms)")


if __name__ == "__main__":
    main()
