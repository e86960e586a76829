"""Why is it alive? eww's chain, backrefs and leaking against objgraph and guppy3, side by
side in one run.

Builds N leaked instances held by a module-level registry (dict -> list), then times, each in
its own subprocess on the same heap: eww's chain of one instance (by ID) and of the whole
type (every instance, grouped), backrefs at depth 3 (of one instance, and of 3 instances of
the type; the DOT text, as the client receives it), eww's leaking; objgraph's
find_backref_chain for one instance, show_backrefs at depth 3 (and eww's drop-in of it) and
get_leaking_objects; guppy3's shortest paths (shpaths) to one instance and to all of them.

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

SHOW_BACKREFS = ("{}\nimport io\n"
                 "def run():\n"
                 "    out = io.StringIO()\n"
                 "    objgraph.show_backrefs([leakmod.registry['bucket'][N // 2]], max_depth=3,\n"
                 "                           output=out)\n"
                 "    return out.getvalue()\n"
                 "t0=time.perf_counter(); s=run(); t=time.perf_counter()-t0\n"
                 "assert 'bucket' in s, s")

OPS = {
    "eww chain ID (one instance)": ("client", ["chain", "{id}"]),
    "eww chain TYPE (every instance, grouped)": ("client", ["chain", "Handler"]),
    "eww backrefs ID -d 3 (one instance)": ("client", ["backrefs", "{id}", "-f", "-"]),
    "eww backrefs TYPE -d 3 (3 instances)": ("client", ["backrefs", "Handler", "-f", "-"]),
    "eww leaking": ("client", ["leaking"]),
    "guppy3 shpaths (one instance)": (
        "py", "from guppy import hpy\nh = hpy()\n"
              "def run():\n"
              "    return str(h.iso(leakmod.registry['bucket'][N // 2]).shpaths)\n"
              "t0=time.perf_counter(); s=run(); t=time.perf_counter()-t0\n"
              "assert \"['registry']['bucket']\" in s, s"),
    "guppy3 shpaths (every instance)": (
        "py", "from guppy import hpy\nh = hpy()\n"
              "def run():\n"
              "    return str(h.iso(*leakmod.registry['bucket']).shpaths)\n"
              "t0=time.perf_counter(); s=run(); t=time.perf_counter()-t0\n"
              "assert \"['registry']['bucket']\" in s, s"),
    "objgraph show_backrefs -d 3 (one instance)": ("py", SHOW_BACKREFS.format("import objgraph")),
    "eww.objgraph.show_backrefs -d 3 (drop-in)": (
        "py", SHOW_BACKREFS.format("from eww import objgraph")),
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
    ap.add_argument("--timeout", type=int, default=300,
                    help="seconds before giving up on an anchor (guppy3's shpaths of every "
                         "instance grows much faster than N)")
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
                try:
                    p = subprocess.run([sys.executable, "-c", code, os_dir],
                                       capture_output=True, text=True, timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    results[label] = None  # gave up: longer than the timeout (with the build)
                    print(f"{label:<46} > {args.timeout} s (gave up)", flush=True)
                    continue
                assert p.returncode == 0, p.stderr
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
    graph = results["objgraph show_backrefs -d 3 (one instance)"] / results[
        "eww backrefs ID -d 3 (one instance)"]
    dropin = results["objgraph show_backrefs -d 3 (one instance)"] / results[
        "eww.objgraph.show_backrefs -d 3 (drop-in)"]
    guppy_one = results["guppy3 shpaths (one instance)"] / results["eww chain ID (one instance)"]
    slow = results["guppy3 shpaths (every instance)"]
    guppy_all = (slow or args.timeout) / results["eww chain TYPE (every instance, grouped)"]
    print(f"\nobjgraph find_backref_chain / eww chain ID: {one:.1f}x")
    print(f"guppy3 shpaths / eww chain ID (one instance): {guppy_one:.1f}x")
    print(f"guppy3 shpaths / eww chain TYPE (every instance): {'>' if slow is None else ''}"
          f"{guppy_all:.1f}x")
    print(f"objgraph show_backrefs / eww backrefs ID (depth 3): {graph:.1f}x")
    print(f"objgraph show_backrefs / eww.objgraph.show_backrefs (drop-in): {dropin:.1f}x")
    print(f"objgraph get_leaking_objects / eww leaking: {leak:.1f}x")


if __name__ == "__main__":
    main()
