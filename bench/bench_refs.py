"""Why is it alive? eww's chain and leaking against objgraph, side by side in one run.

Builds N leaked instances held by a module-level registry (dict -> list), then times, each in
its own subprocess on the same heap: eww's chain of one instance (by ID) and of the whole
type (every instance, grouped), eww's leaking; objgraph's find_backref_chain for one instance
and get_leaking_objects.

    python bench/bench_refs.py [-n 1000000]
"""

import argparse
import json
import subprocess
import sys

BUILD = """
import gc, sys, time, json, types, os
import eww
leakmod = types.ModuleType("leakmod")
sys.modules["leakmod"] = leakmod
exec('''
class Handler:
    __slots__ = ("id", "name", "items", "pair")
    def __init__(self, i):
        self.id = i + 1000
        self.name = "leak-%d" % i
        self.items = [i]
        self.pair = (i, i + 1)
registry = {"bucket": []}
''', leakmod.__dict__)
leakmod.registry["bucket"].extend(leakmod.Handler(i) for i in range(N))
# Held by the registry only (a global would make the shortest chain one step long).
target_id = hex(id(leakmod.registry["bucket"][N // 2]))
gc.collect()
sockdir = sys.argv[1]
path = eww.embed(path=os.path.join(sockdir, "bench.sock"))
"""

OPS = {
    "eww chain ID (one instance)": ("client", ["chain", "{id}"]),
    "eww chain TYPE (every instance, grouped)": ("client", ["chain", "Handler"]),
    "eww leaking": ("client", ["leaking"]),
    "objgraph find_backref_chain (one instance)": (
        "py", "import objgraph, inspect\n"
              "def run():\n"
              "    obj = leakmod.registry['bucket'][N // 2]\n"
              "    return objgraph.find_backref_chain(obj, inspect.ismodule)\n"
              "t0=time.perf_counter(); c=run(); t=time.perf_counter()-t0\n"
              "assert len(c) >= 4, c"),
    "objgraph get_leaking_objects": (
        "py", "import objgraph\nt0=time.perf_counter(); x=objgraph.get_leaking_objects(); "
              "t=time.perf_counter()-t0"),
}


def main():
    import tempfile
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1_000_000)
    args = ap.parse_args()
    print(f"N = {args.n:,} leaked instances; Python {sys.version.split()[0]}")
    results = {}
    for label, (kind, op) in OPS.items():
        with tempfile.TemporaryDirectory() as d:
            os_dir = d + "/eww"
            import os
            os.mkdir(os_dir, 0o700)
            if kind == "py":
                code = (BUILD + op).replace("N)", f"{args.n})").replace("N //", f"{args.n} //") + \
                    "\nprint(json.dumps({'t': t}))"
                p = subprocess.run([sys.executable, "-c", code, os_dir], capture_output=True,
                                   text=True, timeout=3600)
                results[label] = json.loads(p.stdout.strip().splitlines()[-1])["t"]
            else:
                code = BUILD.replace("N)", f"{args.n})").replace("N //", f"{args.n} //") + \
                    "print(target_id, flush=True)\ntime.sleep(3600)"
                app = subprocess.Popen([sys.executable, "-c", code, os_dir],
                                       stdout=subprocess.PIPE, text=True)
                target = app.stdout.readline().strip()
                import eww
                import time
                argv = [eww.client_path(), "--socket", os_dir + "/bench.sock"] + \
                    [a.format(id=target) for a in op]
                subprocess.run(argv, capture_output=True)  # warm-up
                t0 = time.perf_counter()
                r = subprocess.run(argv, capture_output=True, text=True)
                results[label] = time.perf_counter() - t0
                app.kill()
                app.wait()
                assert r.returncode == 0, r.stderr
        print(f"{label:<46} {results[label]:8.3f} s", flush=True)
    one = results["objgraph find_backref_chain (one instance)"] / results[
        "eww chain ID (one instance)"]
    leak = results["objgraph get_leaking_objects"] / results["eww leaking"]
    print(f"\nobjgraph find_backref_chain / eww chain ID: {one:.1f}x")
    print(f"objgraph get_leaking_objects / eww leaking: {leak:.1f}x")


if __name__ == "__main__":
    main()
