"""eww.asizeof against pympler.asizeof, side by side in one run: the deep size of 100,000
nested objects, and of each of them.

Each measurement runs in a fresh subprocess that builds the same structure: a tree of N
instances (default 100,000) of a class with a __dict__, each holding its children in a list,
a name (str) and a value (int), and every 10th one a dict of tags: the objects a deep size
walks (instances, their __dict__, lists, dicts, str, int). It then sizes the root with
`asizeof.asizeof(root)` (default options) three times and reports the best time and the size
found, which must be the same for both. Then `asizeof.asizesof(*instances)`: each instance's
size, with what they share counted once (what `size TYPE` in the console and ClassTracker's
snapshots do), and the sum of those sizes.

    python bench/bench_asizeof.py [-n 100000]
"""

import argparse
import json
import subprocess
import sys

BUILD = """
import json, sys, time
class Node:
    def __init__(self, i):
        self.name = "node-%d" % i
        self.value = i * 1000
        self.children = []
        if i % 10 == 0:
            self.tags = {"id": i, "kind": "ten"}
nodes = [Node(i) for i in range(N)]
for i in range(1, N):
    nodes[(i - 1) // 8].children.append(nodes[i])
root = nodes[0]
if not EACH:
    del nodes
"""

RUN = """
best = None
for _ in range(3):
    t0 = time.perf_counter()
    size = sum(asizeof.asizesof(*nodes)) if EACH else asizeof.asizeof(root)
    t = time.perf_counter() - t0
    best = t if best is None or t < best else best
print(json.dumps({"seconds": best, "size": size}))
"""

LIBS = {"eww.asizeof": "from eww import asizeof", "pympler.asizeof": "from pympler import asizeof"}


def measure(lib, n, each=False):
    code = "N = %d\nEACH = %r\n" % (n, each) + BUILD + LIBS[lib] + "\n" + RUN
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="objects in the tree")
    n = ap.parse_args().n
    for each, title in ((False, "deep size of a tree of %d instances (asizeof(root), best of 3)"),
                        (True, "size of each of %d instances (sum(asizesof(*nodes)), best of 3)")):
        res = {lib: measure(lib, n, each) for lib in LIBS}
        ours, theirs = res["eww.asizeof"], res["pympler.asizeof"]
        print(title % n)
        for lib, r in res.items():
            print("  %-16s %8.4f s   %12d bytes" % (lib, r["seconds"], r["size"]))
        print("  eww is %.1fx faster; sizes %s" % (
            theirs["seconds"] / ours["seconds"],
            "equal" if ours["size"] == theirs["size"] else "DIFFER"))


if __name__ == "__main__":
    main()
