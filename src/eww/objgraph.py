"""Drop-in for a subset of objgraph: `from eww import objgraph`.

Same signatures and output formats as objgraph 3.6 for typestats, most_common_types,
show_most_common_types, growth, show_growth, count, by_type and get_leaking_objects. The
difference: eww counts every live object (objgraph counts gc.get_objects() only, so it never
sees str, int, untracked dicts and tuples, nor the frozen generation), in C, and never counts
its own objects.
"""

import sys

from . import _eww
from .heap import HiddenDict

__all__ = ["typestats", "most_common_types", "show_most_common_types", "growth",
           "show_growth", "count", "by_type", "get_leaking_objects", "find_backref_chain"]

_peak_stats = HiddenDict()  # show_growth's memory: never counted as the app's


def _short(name):
    return name.rsplit(".", 1)[-1]


def typestats(objects=None, shortnames=True, filter=None):
    """{type name: count}. With objects, counts those; else every live object."""
    if filter is not None:
        objects = [o for o in (objects if objects is not None else _eww.heap_objects())
                   if filter(o)]
    rows = (_eww.heap_summarize(objects) if objects is not None
            else [r[:3] for r in _eww.Snapshot().rows()])
    stats = {}
    for name, count, _size in rows:
        key = _short(name) if shortnames else name
        stats[key] = stats.get(key, 0) + count
    return stats


def most_common_types(limit=10, objects=None, shortnames=True, filter=None):
    """[(type name, count), ...], most common first."""
    stats = sorted(typestats(objects, shortnames=shortnames, filter=filter).items(),
                   key=lambda kv: kv[1], reverse=True)
    return stats[:limit] if limit else stats


def show_most_common_types(limit=10, objects=None, shortnames=True, file=None, filter=None):
    """Print the most common types, objgraph's format."""
    stats = most_common_types(limit, objects, shortnames=shortnames, filter=filter)
    width = max((len(name) for name, _ in stats), default=0)
    out = file if file is not None else sys.stdout
    for name, n in stats:
        out.write("%-*s %i\n" % (width, name, n))


def growth(limit=10, peak_stats={}, shortnames=True, filter=None):  # noqa: B006 (objgraph's)
    """[(type name, count, increase), ...] of the types whose count exceeds their peak."""
    stats = typestats(shortnames=shortnames, filter=filter)
    deltas = {}
    for name, n in stats.items():
        old = peak_stats.get(name, 0)
        if n > old:
            deltas[name] = n - old
            peak_stats[name] = n
    result = sorted(deltas.items(), key=lambda kv: kv[1], reverse=True)
    if limit:
        result = result[:limit]
    return [(name, stats[name], delta) for name, delta in result]


def show_growth(limit=10, peak_stats=None, shortnames=True, file=None, filter=None):
    """Print the types whose count grew since the last call, objgraph's format."""
    if peak_stats is None:
        peak_stats = _peak_stats
    result = growth(limit, peak_stats, shortnames, filter)
    if result:
        out = file if file is not None else sys.stdout
        width = max(len(name) for name, _, _ in result)
        for name, count, delta in result:
            out.write("%-*s%9d %+9d\n" % (width, name, count, delta))


def count(typename, objects=None):
    """How many objects have this type name (short, or full with a dot)."""
    if objects is not None:
        full = "." in typename
        return sum(1 for o in objects
                   if (f"{type(o).__module__}.{type(o).__qualname__}" if full
                       else type(o).__name__) == typename)
    return len(_eww.heap_objects(typename))


def by_type(typename, objects=None):
    """The objects whose type has this name (short, or full with a dot)."""
    if objects is not None:
        full = "." in typename
        return [o for o in objects
                if (f"{type(o).__module__}.{type(o).__qualname__}" if full
                    else type(o).__name__) == typename]
    return _eww.heap_objects(typename)


def get_leaking_objects(objects=None):
    """The gc objects that no other object refers to (leaked by C code, or roots)."""
    if objects is not None:
        import gc

        ids = {id(o) for o in objects}
        for o in objects:
            ids.difference_update(id(r) for r in gc.get_referents(o))
        return [o for o in objects if id(o) in ids]
    return _eww.heap_leaking()


def find_backref_chain(obj, predicate, max_depth=20, extra_ignore=()):
    """[x, ..., obj]: a shortest chain of references to obj from an object x for which
    predicate(x) is true (objgraph's signature; e.g. predicate=inspect.ismodule). [obj] when
    there is none within max_depth. eww finds it with one breadth-first walk from the roots
    (modules, thread locals) instead of one gc.get_referrers scan per step."""
    ignore = {id(o) for o in extra_ignore}
    chain = _eww.ref_chain(obj)
    for i, x in enumerate(chain):
        if id(x) not in ignore and predicate(x):
            rest = chain[i:]
            return rest if len(rest) - 1 <= max_depth else [obj]
    return [obj]
