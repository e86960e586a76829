"""The `garbage` console command: uncollectable objects and cyclic garbage, by type.

Since Python 3.4 (PEP 442) objects with __del__ in a reference cycle are collected, so
gc.garbage stays empty for them; they are still garbage the app keeps producing and only the
cycle collector frees. This runs one collection with gc.DEBUG_SAVEALL to see that garbage,
counts it by type, and lets it go.
"""

import gc
import sys


def _name(t):
    module = getattr(t, "__module__", None)
    qual = getattr(t, "__qualname__", t.__name__)
    return qual if module in (None, "builtins") else f"{module}.{qual}"


def _table(counts, lines):
    width = max(len(n) for n in counts)
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {name:<{width}} {n:>9}")


def report():
    lines = []
    counts = {}
    for o in gc.garbage:
        counts[_name(type(o))] = counts.get(_name(type(o)), 0) + 1
    if counts:
        lines.append(f"gc.garbage holds {len(gc.garbage)} uncollectable objects:")
        _table(counts, lines)
    else:
        lines.append("gc.garbage is empty: nothing is uncollectable. (Since Python 3.4, PEP 442, "
                     "objects with __del__\nin reference cycles are collected; they do not end "
                     "up in gc.garbage.)")
    flags = gc.get_debug()
    start = len(gc.garbage)
    gc.set_debug(flags | gc.DEBUG_SAVEALL)
    try:
        found = gc.collect()
        produced = gc.garbage[start:]
        del gc.garbage[start:]
    finally:
        gc.set_debug(flags)
    counts = {}
    for o in produced:
        counts[_name(type(o))] = counts.get(_name(type(o)), 0) + 1
    del produced
    lines.append("")
    if counts:
        lines.append(f"Cyclic garbage produced since the last collection ({found} objects, "
                     "only the cycle collector frees them):")
        _table(counts, lines)
    else:
        lines.append("No cyclic garbage since the last collection.")
    stats = gc.get_stats()
    collected = sum(s["collected"] for s in stats)
    collections = sum(s["collections"] for s in stats)
    lines.append("")
    lines.append(f"Since the app started the cycle collector ran {collections} times and freed "
                 f"{collected} objects.")
    return "\n".join(lines) + "\n"
