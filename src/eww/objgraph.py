"""Drop-in for objgraph 3.7: `from eww import objgraph` (was: `import objgraph`).

Every public function of objgraph 3.7.0, with its signature, output formats and errors, and
the private helpers objgraph's own tests use (_show_graph, _find_chain, _obj_label, ...).
What eww does differently, on purpose:

- Counting functions (typestats, count, by_type, growth, get_new_ids, at, ...) see every live
  object, counted in C: objgraph sees gc.get_objects() only, so it never counts str, int,
  untracked dicts and tuples, nor the frozen generation. eww never counts its own objects.
- Nothing runs gc.collect() first (objgraph collects before most calls): what you see is
  what is alive, garbage cycles not yet collected included.
- show_backrefs and show_refs draw from one pass over the heap per level (C) instead of one
  gc.get_referrers scan per node; find_backref_chain scans the heap once per level too.
  _show_graph with an edge function of your own follows objgraph's algorithm node by node.
"""

import collections
import gc
import inspect
import itertools
import operator
import os
import re
import subprocess
import sys
import tempfile
import types
from io import StringIO

from . import _eww
from .heap import HiddenDict

__all__ = ["count", "typestats", "most_common_types", "show_most_common_types", "growth",
           "show_growth", "get_new_ids", "get_leaking_objects", "by_type", "at", "at_addrs",
           "find_ref_chain", "find_backref_chain", "show_backrefs", "show_refs", "show_chain",
           "is_proper_module"]

IS_INTERACTIVE = False
try:  # in IPython with the graphviz package (not its terminal shell): graphs shown inline
    import graphviz

    if "TerminalInteractiveShell" not in get_ipython().__class__.__name__:  # noqa: F821
        IS_INTERACTIVE = True
except (NameError, ImportError):
    pass

_peak_stats = HiddenDict()  # show_growth's memory: never counted as the app's


class _IdSet(set):
    """get_new_ids' sets of ids: the heap walk neither counts them nor the ints they hold."""

    __slots__ = ()
    _eww_hidden_ = True


def _isinstance(object, classinfo):  # noqa: A002 - objgraph's names
    """isinstance() by type(), not __class__ (which mock.Mock(spec=...) fakes)."""
    return issubclass(type(object), classinfo)


def _names(shortnames):
    return "short" if shortnames else "long"


def count(typename, objects=None):
    """How many objects have this type name: short ('MyClass') or full ('mymodule.MyClass')."""
    if objects is None:
        return len(_eww.heap_objects(typename))
    name = _long_typename if "." in typename else _short_typename
    return sum(1 for o in objects if name(o) == typename)


def typestats(objects=None, shortnames=True, filter=None):  # noqa: A002
    """{type name: count} of every live object (or of objects), those filter(o) accepts."""
    if filter is not None:
        if objects is None:
            objects = _eww.heap_objects()
        objects = [o for o in objects if filter(o)]
    if objects is None:
        rows = [r[:3] for r in _eww.Snapshot(names=_names(shortnames)).rows()]
    else:
        rows = _eww.heap_summarize(objects, names=_names(shortnames))
    stats = {}
    for name, n, _size in rows:
        stats[name] = stats.get(name, 0) + n
    return stats


def most_common_types(limit=10, objects=None, shortnames=True, filter=None):  # noqa: A002
    """[(type name, count), ...], most common first (limit=None: all of them)."""
    stats = sorted(typestats(objects, shortnames=shortnames, filter=filter).items(),
                   key=operator.itemgetter(1), reverse=True)
    if limit:
        stats = stats[:limit]
    return stats


def show_most_common_types(limit=10, objects=None, shortnames=True, file=None,
                           filter=None):  # noqa: A002
    """Print most_common_types as a table."""
    if file is None:
        file = sys.stdout
    stats = most_common_types(limit, objects, shortnames=shortnames, filter=filter)
    width = max((len(name) for name, _ in stats), default=0)
    for name, n in stats:
        file.write("%-*s %i\n" % (width, name, n))


def growth(limit=10, peak_stats={}, shortnames=True, filter=None):  # noqa: B006, A002
    """[(type name, count, increase), ...] of the types whose count passed their peak
    (kept in peak_stats) since the last call, largest increase first."""
    stats = typestats(shortnames=shortnames, filter=filter)
    deltas = {}
    for name, n in stats.items():
        old = peak_stats.get(name, 0)
        if n > old:
            deltas[name] = n - old
            peak_stats[name] = n
    deltas = sorted(deltas.items(), key=operator.itemgetter(1), reverse=True)
    if limit:
        deltas = deltas[:limit]
    return [(name, stats[name], delta) for name, delta in deltas]


def show_growth(limit=10, peak_stats=None, shortnames=True, file=None, filter=None):  # noqa
    """Print growth() as a table (nothing when nothing grew)."""
    if peak_stats is None:
        result = growth(limit, _peak_stats, shortnames=shortnames, filter=filter)
    else:
        result = growth(limit, peak_stats, shortnames, filter)
    if result:
        if file is None:
            file = sys.stdout
        width = max(len(name) for name, _, _ in result)
        for name, n, delta in result:
            file.write("%-*s%9d %+9d\n" % (width, name, n, delta))


def get_new_ids(skip_update=False, limit=10, sortby="deltas", shortnames=None, file=None,
                _state={}):  # noqa: B006 - objgraph's: the state lives in the default
    """{type name: set of ids of objects new since the last call}, and a table of old,
    current and new ids per type (limit rows, sorted by 'old', 'current', 'new' or 'deltas')."""
    if not _state:
        _state["old"] = collections.defaultdict(_IdSet)
        _state["current"] = collections.defaultdict(_IdSet)
        _state["new"] = collections.defaultdict(_IdSet)
        _state["shortnames"] = True
    new_ids = _state["new"]
    if skip_update:
        return new_ids
    old_ids = _state["old"]
    current_ids = _state["current"]
    if shortnames is None:
        shortnames = _state["shortnames"]
    else:
        _state["shortnames"] = shortnames
    for ids in old_ids.values():
        ids.clear()
    for class_name, ids in current_ids.items():
        old_ids[class_name].update(ids)
    for ids in current_ids.values():
        ids.clear()
    name_of = _short_typename if shortnames else _long_typename
    names = {}  # type -> name: computed once per type, not once per object
    for o in _eww.heap_objects(frames=True):
        t = type(o)
        name = names.get(t)
        if name is None:
            name = names[t] = name_of(o)
        current_ids[name].add(id(o))
    del o, names
    for ids in new_ids.values():
        ids.clear()
    rows = []
    keys_to_remove = []
    for class_name in current_ids:
        num_old = len(old_ids[class_name])
        num_current = len(current_ids[class_name])
        if num_old == 0 and num_current == 0:
            keys_to_remove.append(class_name)
            continue
        new_ids_set = current_ids[class_name] - old_ids[class_name]
        new_ids[class_name].update(new_ids_set)
        rows.append((class_name, num_old, num_current, len(new_ids_set), num_current - num_old))
    for key in keys_to_remove:
        del old_ids[key]
        del current_ids[key]
        del new_ids[key]
    index_by_sortby = {"old": 1, "current": 2, "new": 3, "deltas": 4}
    rows.sort(key=operator.itemgetter(index_by_sortby[sortby], 0), reverse=True)
    if limit is not None:
        rows = rows[:limit]
    if not rows:
        return new_ids
    if file is None:
        file = sys.stdout
    width = max(len(row[0]) for row in rows)
    print("=" * (width + 13 * 4), file=file)
    print("%-*s%13s%13s%13s%13s" % (width, "Type", "Old_ids", "Current_ids", "New_ids",
                                    "Count_Deltas"), file=file)
    print("=" * (width + 13 * 4), file=file)
    for row_class, old, current, new, delta in rows:
        print("%-*s%13d%13d%+13d%+13d" % (width, row_class, old, current, new, delta),
              file=file)
    print("=" * (width + 13 * 4), file=file)
    return new_ids


def get_leaking_objects(objects=None):
    """The gc objects no other gc object refers to (held by C code, or roots); of objects
    when given: those of them no gc object (objects itself aside) refers to."""
    if objects is None:
        return _eww.heap_leaking()
    ids = {id(o) for o in objects}
    for o in gc.get_objects():
        if o is not objects:
            ids.difference_update(id(r) for r in gc.get_referents(o))
    return [o for o in objects if id(o) in ids]


def by_type(typename, objects=None):
    """The objects whose type has this name: short ('MyClass') or full ('mymodule.MyClass')."""
    if objects is None:
        return _eww.heap_objects(typename)
    name = _long_typename if "." in typename else _short_typename
    return [o for o in objects if name(o) == typename]


def at(addr):
    """The object the gc tracks whose id() is addr, or None: as objgraph, not str, int and
    other objects the gc does not track (at_addrs finds those)."""
    for o in gc.get_objects():
        if id(o) == addr:
            return o
    return None


def at_addrs(address_set):
    """The live objects whose id() is in address_set (every live object, as get_new_ids
    counts them: str and int too)."""
    return [o for o in _eww.heap_objects() if id(o) in address_set]


def find_ref_chain(obj, predicate, max_depth=20, extra_ignore=()):
    """[obj, ..., x]: a shortest chain of references from obj to an object x for which
    predicate(x) is true; [obj] when there is none within max_depth."""
    return _find_chain(obj, predicate, gc.get_referents, max_depth=max_depth,
                       extra_ignore=extra_ignore)[::-1]


def find_backref_chain(obj, predicate, max_depth=20, extra_ignore=()):
    """[x, ..., obj]: a shortest chain of references to obj from an object x for which
    predicate(x) is true (e.g. is_proper_module); [obj] when there is none within max_depth.
    The same chain objgraph finds, with one scan of the heap per level instead of one per
    object."""
    ignore = set(extra_ignore)
    ignore.update((id(extra_ignore), id(ignore), id(sys._getframe()), id(sys._getframe(1))))
    if predicate(obj):
        return [obj]
    parent = {id(obj): None}
    level = [obj]
    ignore.update((id(level), id(parent)))
    for _ in range(max_depth):
        referrers = gc.get_referrers(*level)
        ignore.add(id(referrers))
        position = {id(t): i for i, t in enumerate(level)}
        # objgraph takes the targets of a level in order, each one's referrers in the gc's
        # order: a referrer belongs to the first target it refers to.
        by_target = [[] for _ in level]
        for source in referrers:
            if id(source) in ignore or id(source) in parent:
                continue
            first = min((position[id(r)] for r in gc.get_referents(source)
                         if id(r) in position), default=None)
            if first is not None:
                by_target[first].append(source)
        del referrers
        nxt = []
        sources = None
        for i, sources in enumerate(by_target):
            for source in sources:
                if id(source) not in parent:
                    parent[id(source)] = level[i]
                    nxt.append(source)
        source = None
        for source in nxt:
            if predicate(source):
                chain = [source]
                while parent[id(chain[-1])] is not None:
                    chain.append(parent[id(chain[-1])])
                return chain
        del by_target, position, sources
        if not nxt:
            break
        ignore.discard(id(level))
        level = nxt
        ignore.add(id(level))
    return [obj]


def show_backrefs(objs, max_depth=3, extra_ignore=(), filter=None, too_many=10,  # noqa: A002
                  highlight=None, filename=None, extra_info=None, refcounts=False,
                  shortnames=True, output=None, extra_node_attrs=None):
    """The graph of what refers to objs (objgraph's): DOT written to output (a file object),
    to filename when it ends in .dot, else drawn by Graphviz's dot into filename (its
    extension is the format) or, without a filename, shown with xdot or drawn into a
    temporary PNG. extra_ignore holds ids of objects never drawn; filter(obj), highlight(obj),
    extra_info(obj) and extra_node_attrs(obj) are called for candidate and drawn objects. The
    search stops at modules, takes at most too_many referrers a node, max_depth levels."""
    return _fast_graph(objs, True, max_depth, extra_ignore, filter, too_many, highlight,
                       filename, extra_info, refcounts, shortnames, output, extra_node_attrs)


def show_refs(objs, max_depth=3, extra_ignore=(), filter=None, too_many=10,  # noqa: A002
              highlight=None, filename=None, extra_info=None, refcounts=False,
              shortnames=True, output=None, extra_node_attrs=None):
    """The graph of what objs refer to, objgraph's (see show_backrefs for the arguments)."""
    return _fast_graph(objs, False, max_depth, extra_ignore, filter, too_many, highlight,
                       filename, extra_info, refcounts, shortnames, output, extra_node_attrs)


def show_chain(*chains, **kw):
    """Draw the chains find_backref_chain (backrefs=True, the default) or find_ref_chain
    (backrefs=False) found; the other keywords are show_backrefs'."""
    backrefs = kw.pop("backrefs", True)
    chains = [chain for chain in chains if chain]  # remove empty ones

    def in_chains(x, ids=set(map(id, itertools.chain(*chains)))):  # noqa: B008
        return id(x) in ids

    max_depth = max(map(len, chains)) - 1
    if backrefs:
        show_backrefs([chain[-1] for chain in chains], max_depth=max_depth, filter=in_chains,
                      **kw)
    else:
        show_refs([chain[0] for chain in chains], max_depth=max_depth, filter=in_chains, **kw)


def is_proper_module(obj):
    """Whether obj is a module that sys.modules holds under its name."""
    return inspect.ismodule(obj) and obj is sys.modules.get(getattr(obj, "__name__", None))


def _find_chain(obj, predicate, edge_func, max_depth=20, extra_ignore=()):
    """objgraph's breadth-first search along edge_func from obj: [x, ..., obj], or [obj]."""
    queue = [obj]
    depth = {id(obj): 0}
    parent = {id(obj): None}
    ignore = set(extra_ignore)
    ignore.update((id(extra_ignore), id(queue), id(depth), id(parent), id(ignore),
                   id(sys._getframe()), id(sys._getframe(1))))
    while queue:
        target = queue.pop(0)
        if predicate(target):
            chain = [target]
            while parent[id(target)] is not None:
                target = parent[id(target)]
                chain.append(target)
            return chain
        tdepth = depth[id(target)]
        if tdepth < max_depth:
            referrers = edge_func(target)
            ignore.add(id(referrers))
            for source in referrers:
                if id(source) in ignore:
                    continue
                if id(source) not in depth:
                    depth[id(source)] = tdepth + 1
                    parent[id(source)] = target
                    queue.append(source)
    return [obj]


def _open_dot(filename, output):
    """(file to write the DOT to, its name or None, whether to return it for IPython)."""
    if filename and output:
        raise ValueError("Cannot specify both output and filename.")
    if output:
        return output, None, False
    if filename and filename.endswith(".dot"):
        return open(filename, "w", encoding="utf-8"), filename, False
    if IS_INTERACTIVE and not filename:
        return StringIO(), None, True
    fd, dot_filename = tempfile.mkstemp(prefix="objgraph-", suffix=".dot", text=True)
    return open(fd, "w", encoding="utf-8"), dot_filename, False


def _finish(f, dot_filename, filename, output, interactive, nodes):
    if output:
        return None
    if interactive:
        return graphviz.Source(f.getvalue())
    f.close()
    print("Graph written to %s (%d nodes)" % (dot_filename, nodes))
    _present_graph(dot_filename, filename)
    return None


def _fast_graph(objs, backwards, max_depth, extra_ignore, filter, too_many, highlight,  # noqa
                filename, extra_info, refcounts, shortnames, output, extra_node_attrs):
    """show_backrefs/show_refs: the graph from eww's engine, one heap pass per level."""
    if not _isinstance(objs, (list, tuple)):
        objs = [objs]
    f, dot_filename, interactive = _open_dot(filename, output)
    ignore = set(extra_ignore)
    ignore.update((id(objs), id(extra_ignore), id(ignore)))
    for depth in (0, 1):  # this function and show_backrefs/show_refs, and their locals
        frame = sys._getframe(depth)
        ignore.update((id(frame), id(frame.f_locals)))
    del frame
    try:
        dot, nodes = _eww.ref_graph(
            list(objs), backwards, max_depth=max_depth, too_many=too_many, ignore=ignore,
            filter=filter, highlight=highlight, extra_info=extra_info,
            extra_node_attrs=extra_node_attrs, refcounts=refcounts, shortnames=shortnames)
        f.write(dot)
    except BaseException:
        if f is not output and not interactive:
            f.close()
        raise
    return _finish(f, dot_filename, filename, output, interactive, nodes)


def _show_graph(objs, edge_func, swap_source_target, max_depth=3, extra_ignore=(),
                filter=None, too_many=10, highlight=None, filename=None,  # noqa: A002
                extra_info=None, refcounts=False, shortnames=True, output=None,
                cull_func=None, extra_node_attrs=None):
    """objgraph's graph of objs along edge_func (referrers, or with swap_source_target the
    referents), node by node: for edge functions of your own."""
    if not _isinstance(objs, (list, tuple)):
        objs = [objs]
    f, dot_filename, interactive = _open_dot(filename, output)
    f.write("digraph ObjectGraph {\n  node[shape=box, style=filled, fillcolor=white];\n")
    queue = []
    depth = {}
    ignore = set(extra_ignore)
    ignore.update((id(objs), id(extra_ignore), id(queue), id(depth), id(ignore),
                   id(sys._getframe()), id(sys._getframe().f_locals),
                   id(sys._getframe(1)), id(sys._getframe(1).f_locals)))
    for obj in objs:
        f.write("  %s[fontcolor=red];\n" % (_obj_node_id(obj)))
        depth[id(obj)] = 0
        queue.append(obj)
        del obj
    nodes = 0
    while queue:
        nodes += 1
        target = queue.pop(0)
        tdepth = depth[id(target)]
        f.write('  %s[label="%s"%s];\n' % (_obj_node_id(target),
                                           _obj_label(target, extra_info, refcounts,
                                                      shortnames),
                                           _obj_attrs(target, extra_node_attrs)))
        h, s, v = _gradient((0, 0, 1), (0, 0, .3), tdepth, max_depth)
        if inspect.ismodule(target):
            h = .3
            s = 1
        if highlight and highlight(target):
            h = .6
            s = .6
            v = 0.5 + v * 0.5
        f.write('  %s[fillcolor="%g,%g,%g"];\n' % (_obj_node_id(target), h, s, v))
        if v < 0.5:
            f.write("  %s[fontcolor=white];\n" % (_obj_node_id(target)))
        if hasattr(getattr(target, "__class__", None), "__del__"):
            f.write("  %s->%s_has_a_del[color=red,style=dotted,len=0.25,weight=10];\n"
                    % (_obj_node_id(target), _obj_node_id(target)))
            f.write('  %s_has_a_del[label="__del__",shape=doublecircle,height=0.25,'
                    'color=red,fillcolor="0,.5,1",fontsize=6];\n' % (_obj_node_id(target)))
        if tdepth >= max_depth:
            continue
        if cull_func is not None and cull_func(target):
            continue
        neighbours = edge_func(target)
        ignore.add(id(neighbours))
        n = 0
        skipped = 0
        for source in neighbours:
            if id(source) in ignore:
                continue
            if filter and not filter(source):
                continue
            if n >= too_many:
                skipped += 1
                continue
            if swap_source_target:
                srcnode, tgtnode = target, source
            else:
                srcnode, tgtnode = source, target
            elabel = _edge_label(srcnode, tgtnode, shortnames)
            f.write("  %s -> %s%s;\n" % (_obj_node_id(srcnode), _obj_node_id(tgtnode), elabel))
            if id(source) not in depth:
                depth[id(source)] = tdepth + 1
                queue.append(source)
            n += 1
            del source
        del neighbours
        if skipped > 0:
            h, s, v = _gradient((0, 1, 1), (0, 1, .3), tdepth + 1, max_depth)
            if swap_source_target:
                label = "%d more references" % skipped
                edge = "%s->too_many_%s" % (_obj_node_id(target), _obj_node_id(target))
            else:
                label = "%d more backreferences" % skipped
                edge = "too_many_%s->%s" % (_obj_node_id(target), _obj_node_id(target))
            f.write("  %s[color=red,style=dotted,len=0.25,weight=10];\n" % edge)
            f.write('  too_many_%s[label="%s",shape=box,height=0.25,color=red,'
                    'fillcolor="%g,%g,%g",fontsize=6];\n' % (_obj_node_id(target), label,
                                                             h, s, v))
            f.write("  too_many_%s[fontcolor=white];\n" % (_obj_node_id(target)))
    f.write("}\n")
    return _finish(f, dot_filename, filename, output, interactive, nodes)


def _present_graph(dot_filename, filename=None):
    """Draw the .dot file into filename with Graphviz's dot (the extension is the format),
    or without a filename show it with xdot, or draw a PNG beside it."""
    if filename == dot_filename:
        return
    if not filename and _program_in_path("xdot"):
        print("Spawning graph viewer (xdot)")
        subprocess.Popen(["xdot", dot_filename], close_fds=True)
    elif _program_in_path("dot"):
        if not filename:
            print("Graph viewer (xdot) not found, generating a png instead")
            filename = dot_filename[:-4] + ".png"
        ext = os.path.splitext(filename)[1]
        cmd = ["dot", "-T" + ext[1:], "-o" + filename, dot_filename]
        dot = subprocess.Popen(cmd, close_fds=False)
        dot.wait()
        if dot.returncode != 0:
            print('dot failed (exit code %d) while executing "%s"'
                  % (dot.returncode, " ".join(cmd)))
        else:
            print("Image generated as %s" % filename)
    elif not filename:
        print("Graph viewer (xdot) and image renderer (dot) not found,"
              " not doing anything else")
    else:
        print("Image renderer (dot) not found, not doing anything else")


def _obj_node_id(obj):
    return ("o%d" % id(obj)).replace("-", "_")


def _obj_attrs(obj, extra_node_attrs):
    if extra_node_attrs is None:
        return ""
    attrs = extra_node_attrs(obj)
    return ", " + ", ".join('%s="%s"' % (name, _quote(value))
                            for name, value in sorted(attrs.items()) if value is not None)


def _obj_label(obj, extra_info=None, refcounts=False, shortnames=True):
    label = [_short_typename(obj) if shortnames else _long_typename(obj)]
    if refcounts:
        # less the references of this frame, _show_graph's, getrefcount's argument and one
        # more that gc.get_referrers does not show, as objgraph counts
        label[0] += " [%d]" % (sys.getrefcount(obj) - 4)
    label.append(_safe_repr(obj))
    if extra_info:
        label.append(str(extra_info(obj)))
    return _quote("\n".join(label))


def _quote(s):
    return (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\0", "\\\\0"))


def _get_obj_type(obj):
    return type(obj)


def _short_typename(obj):
    return _get_obj_type(obj).__name__


def _long_typename(obj):
    objtype = _get_obj_type(obj)
    name = objtype.__name__
    module = getattr(objtype, "__module__", None)
    return "%s.%s" % (module, name) if module else name


def _safe_repr(obj):
    try:
        return _short_repr(obj)
    except Exception:
        return "(unrepresentable)"


def _name_or_repr(value):
    try:
        result = value.__name__
    except AttributeError:
        result = repr(value)[:40]
    return result if _isinstance(result, str) else repr(value)[:40]


def _short_repr(obj):
    if _isinstance(obj, (type, types.ModuleType, types.BuiltinMethodType,
                         types.BuiltinFunctionType)):
        return _name_or_repr(obj)
    if _isinstance(obj, types.MethodType):
        name = _name_or_repr(obj.__func__)
        return name + " (bound)" if obj.__self__ else name
    if _isinstance(obj, types.LambdaType) and obj.__name__ == "<lambda>":
        return "lambda: %s:%s" % (os.path.basename(obj.__code__.co_filename),
                                  obj.__code__.co_firstlineno)
    if _isinstance(obj, types.FrameType):
        return "%s:%s" % (obj.f_code.co_filename, obj.f_lineno)
    if _isinstance(obj, (tuple, list, dict, set)):
        return "%d items" % len(obj)
    return repr(obj)[:40]


def _gradient(start_color, end_color, depth, max_depth):
    if max_depth == 0:
        return start_color
    h1, s1, v1 = start_color
    h2, s2, v2 = end_color
    f = float(depth) / max_depth
    return h1 * (1 - f) + h2 * f, s1 * (1 - f) + s2 * f, v1 * (1 - f) + v2 * f


def _edge_label(source, target, shortnames=True):
    if _isinstance(target, dict) and target is getattr(source, "__dict__", None):
        return ' [label="__dict__",weight=10]'
    if _isinstance(source, types.FrameType):
        if target is source.f_locals:
            return ' [label="f_locals",weight=10]'
        if target is source.f_globals:
            return ' [label="f_globals",weight=10]'
    if _isinstance(source, types.MethodType):
        if target is source.__self__:
            return ' [label="__self__",weight=10]'
        if target is source.__func__:
            return ' [label="__func__",weight=10]'
    if _isinstance(source, types.FunctionType):
        for k in dir(source):
            if target is getattr(source, k):
                return ' [label="%s",weight=10]' % _quote(k)
    if _isinstance(source, dict):
        for k, v in source.items():
            if v is target:
                if _isinstance(k, str) and _is_identifier(k):
                    return ' [label="%s",weight=2]' % _quote(k)
                tn = _short_typename(k) if shortnames else _long_typename(k)
                return ' [label="%s"]' % _quote(tn + "\n" + _safe_repr(k))
    return ""


_is_identifier = re.compile("[a-zA-Z_][a-zA-Z_0-9]*$").match


def _program_in_path(program):
    path = os.environ.get("PATH", os.defpath).split(os.pathsep)
    return any(os.path.isfile(os.path.join(d, program))
               or os.path.isfile(os.path.join(d, program) + ".exe") for d in path)
