"""How fast a long heap command stops: Ctrl-C (an INTERRUPT frame) and a client that leaves.

A heap of N strings (default 3,000,000) in a real app; for each command, the command is sent,
then a third of its full time later an INTERRUPT (or the connection is closed), and the time until the DONE
frame (or until the app's console answers a new session's info with one session open) is
measured, with the command's full time for comparison.

    python bench/bench_cancel.py [N]
"""

import os
import re
import subprocess
import sys
import tempfile
import time

from console import Conn, INTERRUPT, command_frame as command, frame

N = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
APP = f"""
import eww, time
path = eww.embed()
big = [str(i) * 2 for i in range({N})]
print(path, flush=True)
time.sleep(3600)
"""


def main():
    d = tempfile.mkdtemp()
    os.chmod(d, 0o700)
    env = dict(os.environ, EWW_SOCKET_DIR=d)
    app = subprocess.Popen([sys.executable, "-c", APP], stdout=subprocess.PIPE, text=True,
                           env=env)
    path = app.stdout.readline().strip()
    print(f"heap: {N:,} strings in a list; times in seconds")
    print(f"{'command':<22} {'full run':>9} {'Ctrl-C -> DONE':>15} {'client gone -> freed':>21}")
    try:
        for argv in (["summary"], ["chain", "str"], ["leaking"], ["backrefs", "str", "-f", "-"]):
            c = Conn(path)
            t0 = time.perf_counter()
            c.s.sendall(command(argv))
            c.until_done()
            full = time.perf_counter() - t0
            c.s.sendall(command(argv))
            time.sleep(full / 3)  # well inside the command
            t0 = time.perf_counter()
            c.s.sendall(frame(INTERRUPT))
            f = c.until_done()
            stop = time.perf_counter() - t0
            c.s.close()
            # a client that leaves: its session ends, and the next one is answered
            c = Conn(path)
            c.s.sendall(command(argv))
            time.sleep(full / 3)
            t0 = time.perf_counter()
            c.s.close()
            while True:
                probe = Conn(path)
                probe.s.sendall(command(["info"]))
                out = b""
                while True:
                    fr = probe.recv()
                    if fr[0] == 3:
                        out += fr[1]
                    if fr[0] == 5:
                        break
                probe.s.close()
                m = re.search(rb"sessions: +(\d+)", out)
                if m and int(m.group(1)) <= 1:
                    break
            gone = time.perf_counter() - t0
            print(f"{' '.join(argv):<22} {full:>9.3f} {stop:>15.3f} {gone:>21.3f}")
    finally:
        app.kill()


if __name__ == "__main__":
    main()
