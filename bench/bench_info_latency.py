"""Round-trip latency of the console's `info` command.

Starts an app with the console embedded, then measures, from a client written against
docs/protocol.md (plain sockets, no eww code in the loop):
  - N requests of `info` on one connection (COMMAND sent -> DONE received);
  - N/10 fresh connections, each: connect, HELLO exchange, `info`, close;
  - the same `info` while the app's main thread holds the GIL in a long C call.
Reports median, p99 and max in microseconds.

    python bench/bench_info_latency.py [-n 10000]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from console import Conn


def summary(label, samples):
    us = sorted(x * 1e6 for x in samples)
    p99 = us[min(len(us) - 1, int(len(us) * 0.99))]
    print(f"{label:<44} n={len(us):>6}  median {statistics.median(us):8.1f} us"
          f"  p99 {p99:8.1f} us  max {us[-1]:9.1f} us")


def start_app(sockdir, code):
    env = dict(os.environ, EWW_SOCKET_DIR=sockdir)
    app = subprocess.Popen(
        [sys.executable, "-c", "import eww, sys, time\nprint(eww.embed(), flush=True)\n" + code],
        stdout=subprocess.PIPE, text=True, env=env)
    path = app.stdout.readline().strip()
    return app, path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        sockdir = os.path.join(d, "eww")
        os.mkdir(sockdir, 0o700)
        app, path = start_app(sockdir, "time.sleep(3600)")
        try:
            c = Conn(path)
            for _ in range(200):  # warm-up
                c.command("info")
            lat = []
            for _ in range(args.n):
                t0 = time.perf_counter()
                c.command("info")
                lat.append(time.perf_counter() - t0)
            summary("info, one connection", lat)
            lat = []
            for _ in range(max(1, args.n // 10)):
                t0 = time.perf_counter()
                k = Conn(path)
                k.command("info")
                k.s.close()
                lat.append(time.perf_counter() - t0)
            summary("connect + hello + info", lat)
        finally:
            app.kill()
            app.wait()

        app, path = start_app(sockdir, "print('BUSY', flush=True)\nsum(range(10**11))")
        try:
            assert app.stdout.readline().strip() == "BUSY"
            time.sleep(0.2)
            c = Conn(path)
            lat = []
            for _ in range(max(1, args.n // 10)):
                t0 = time.perf_counter()
                c.command("info")
                lat.append(time.perf_counter() - t0)
            summary("info while the main thread holds the GIL", lat)
        finally:
            app.kill()
            app.wait()


if __name__ == "__main__":
    main()
