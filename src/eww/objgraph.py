"""Drop-in for a subset of objgraph: `from eww import objgraph`.

Same signatures and output formats as objgraph 3.6 for typestats, most_common_types,
show_most_common_types, growth, show_growth, count, by_type, get_leaking_objects,
find_backref_chain, show_backrefs and show_refs. The difference: eww counts every live object
(objgraph counts gc.get_objects() only, so it never sees str, int, untracked dicts and tuples,
nor the frozen generation), in C, and never counts its own objects; its graphs come from one
pass over the heap per level instead of one gc.get_referrers scan per node, and it never
runs gc.collect() first.
"""

import os
import shutil
import subprocess
import sys
import tempfile

from . import _eww
from .heap import HiddenDict

__all__ = ["typestats", "most_common_types", "show_most_common_types", "growth",
           "show_growth", "count", "by_type", "get_leaking_objects", "find_backref_chain",
           "show_backrefs", "show_refs"]

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


def show_backrefs(objs, max_depth=3, extra_ignore=(), filter=None, too_many=10,
                  highlight=None, filename=None, extra_info=None,
                  refcounts=False, shortnames=True, output=None,
                  extra_node_attrs=None):
    """The graph of what refers to objs, objgraph's: DOT written to output (a file object),
    to filename when it ends in .dot, else drawn by Graphviz's dot into filename (its
    extension is the format) or, without a filename, into a temporary PNG (xdot shows it
    when installed). extra_ignore holds ids of objects never drawn; filter(obj), highlight(obj),
    extra_info(obj) and extra_node_attrs(obj) are called for candidate and drawn objects. The
    search stops at modules, takes at most too_many referrers a node, max_depth levels."""
    return _show_graph(objs, True, max_depth, extra_ignore, filter, too_many, highlight,
                       filename, extra_info, refcounts, shortnames, output, extra_node_attrs)


def show_refs(objs, max_depth=3, extra_ignore=(), filter=None, too_many=10,
              highlight=None, filename=None, extra_info=None,
              refcounts=False, shortnames=True, output=None,
              extra_node_attrs=None):
    """The graph of what objs refer to, objgraph's (see show_backrefs for the arguments)."""
    return _show_graph(objs, False, max_depth, extra_ignore, filter, too_many, highlight,
                       filename, extra_info, refcounts, shortnames, output, extra_node_attrs)


def _show_graph(objs, backwards, max_depth, extra_ignore, filter, too_many, highlight,
                filename, extra_info, refcounts, shortnames, output, extra_node_attrs):
    if not isinstance(objs, (list, tuple)):
        objs = [objs]
    if filename and output:
        raise ValueError("Cannot specify both output and filename.")
    ignore = set(extra_ignore)
    ignore.update((id(objs), id(extra_ignore), id(ignore)))
    for depth in (0, 1):  # this function and show_backrefs/show_refs, and their locals
        frame = sys._getframe(depth)
        ignore.update((id(frame), id(frame.f_locals)))
    del frame
    dot, nodes = _eww.ref_graph(
        list(objs), backwards, max_depth=max_depth, too_many=too_many, ignore=ignore,
        filter=filter, highlight=highlight, extra_info=extra_info,
        extra_node_attrs=extra_node_attrs, refcounts=refcounts, shortnames=shortnames)
    if output:
        output.write(dot)
        return None
    if filename and filename.endswith(".dot"):
        dot_filename = filename
        with open(filename, "w", encoding="utf-8") as f:
            f.write(dot)
    else:
        fd, dot_filename = tempfile.mkstemp(prefix="objgraph-", suffix=".dot", text=True)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dot)
    print("Graph written to %s (%d nodes)" % (dot_filename, nodes))
    _present_graph(dot_filename, filename)
    return None


def _present_graph(dot_filename, filename=None):
    """objgraph's: draw the .dot file into filename with dot, or show it with xdot."""
    if filename == dot_filename:
        return
    if not filename and shutil.which("xdot"):
        print("Spawning graph viewer (xdot)")
        subprocess.Popen(["xdot", dot_filename], close_fds=True)
    elif shutil.which("dot"):
        if not filename:
            print("Graph viewer (xdot) not found, generating a png instead")
            filename = dot_filename[:-4] + ".png"
        ext = os.path.splitext(filename)[1]
        cmd = ["dot", "-T" + ext[1:], "-o" + filename, dot_filename]
        returncode = subprocess.call(cmd, close_fds=False)
        if returncode != 0:
            print('dot failed (exit code %d) while executing "%s"'
                  % (returncode, " ".join(cmd)))
        else:
            print("Image generated as %s" % filename)
    elif not filename:
        print("Graph viewer (xdot) and image renderer (dot) not found,"
              " not doing anything else")
    else:
        print("Image renderer (dot) not found, not doing anything else")
