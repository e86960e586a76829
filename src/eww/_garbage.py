"""The `garbage` console command: uncollectable objects and cyclic garbage, by type.

Since Python 3.4 (PEP 442) objects with __del__ in a reference cycle are collected, so
gc.garbage stays empty for them; they are still garbage the app keeps producing and only the
cycle collector frees. The engine finds that garbage without collecting it
(heap_cyclic_garbage, the collector's own test run read-only), so what `garbage` shows is
still there for `chain` and `backrefs`; `garbage --collect` frees it.
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


def _by_type(objects, per_type=3):
    """{type name: count} and {type name: a few IDs} (no object kept: a loop variable left
    behind would keep one alive past a collection)."""
    counts, examples = {}, {}
    for o in objects:
        name = _name(type(o))
        counts[name] = counts.get(name, 0) + 1
        ids = examples.setdefault(name, [])
        if len(ids) < per_type:
            ids.append(hex(id(o)))
    return counts, examples


def report(collect=False):
    """The text of `garbage`. Finding the cyclic garbage frees nothing (the engine runs the
    collector's test read-only, in C); with collect, one gc.collect() frees it after."""
    lines = []
    counts, _ = _by_type(gc.garbage)
    if counts:
        lines.append(f"gc.garbage holds {len(gc.garbage)} uncollectable objects:")
        _table(counts, lines)
    else:
        lines.append("gc.garbage is empty: nothing is uncollectable. (Since Python 3.4, PEP 442, "
                     "objects with __del__\nin reference cycles are collected; they do not end "
                     "up in gc.garbage.)")
    from eww import _eww

    found = _eww.cyclic_garbage()
    total = len(found)
    counts, examples = _by_type(found)
    del found
    lines.append("")
    if counts:
        lines.append(f"Cyclic garbage the collector has not freed yet ({total} objects; only the "
                     "cycle collector frees them):")
        width = max(len(n) for n in counts)
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {name:<{width}} {n:>9}   e.g. {', '.join(examples[name])}")
        if not collect:
            lines.append("Nothing was freed: `chain ID` or `backrefs ID` shows a cycle; "
                         "`garbage --collect` frees them.")
    else:
        lines.append("No cyclic garbage waiting for the collector.")
    if collect:
        freed = gc.collect()
        lines.append(f"gc.collect() freed {freed} objects.")
    stats = gc.get_stats()
    collected = sum(s["collected"] for s in stats)
    collections = sum(s["collections"] for s in stats)
    lines.append("")
    lines.append(f"Since the app started the cycle collector ran {collections} times and freed "
                 f"{collected} objects.")
    return "\n".join(lines) + "\n"
