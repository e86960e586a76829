"""Drop-in for pympler.muppy: `from eww import muppy`.

get_objects() returns every live object the heap walk reaches: the gc's objects, everything
untracked they hold (followed transitively, where pympler looks one level deep), and the
frozen generation; frame objects only with include_frames, as pympler. Unlike pympler it runs
no gc.collect() first, and its own objects (and the list it returns) are never in it.
"""

import gc
from inspect import isframe, stack
from sys import getsizeof

from . import _eww
from . import summary

__all__ = ["get_objects", "get_size", "get_diff", "sort", "filter", "get_referents",
           "ignore_object", "print_summary"]

_Py_TPFLAGS_HAVE_GC = 1 << 14


def ignore_object(obj):
    """Whether get_objects leaves obj out (frame objects)."""
    try:
        return isframe(obj)
    except ReferenceError:
        return True


def get_objects(remove_dups=True, include_frames=False):
    """Every live object, without frames; with include_frames, the caller's callers' frames
    are appended (as pympler: stack()[2:]). The walk never returns an object twice, so
    remove_dups changes nothing."""
    res = _eww.heap_objects(frames=False)
    if include_frames:
        for sf in stack()[2:]:
            res.append(sf[0])
    return res


def get_size(objects):
    """Total size in bytes of the objects (sys.getsizeof each, summed in C)."""
    return sum(row[2] for row in _eww.heap_summarize(objects))


def get_diff(left, right):
    """{'+': objects only in right, '-': objects only in left}, by identity."""
    left_ids = {id(o) for o in left}
    right_ids = {id(o) for o in right}
    return {"+": [o for o in right if id(o) not in left_ids],
            "-": [o for o in left if id(o) not in right_ids]}


def sort(objects):
    """The objects sorted by size in bytes (sys.getsizeof), smallest first."""
    return sorted(objects, key=getsizeof)


def filter(objects, Type=None, min=-1, max=-1):  # noqa: A002 - pympler's names
    """The objects that are instances of Type and larger than min, smaller than max bytes
    (each bound when given, not -1); ValueError when min > max."""
    if min > max and max > -1:
        raise ValueError("minimum must be smaller than maximum")
    if Type is not None:
        objects = [o for o in objects if isinstance(o, Type)]
    if min > -1:
        objects = [o for o in objects if getsizeof(o) > min]
    if max > -1:
        objects = [o for o in objects if getsizeof(o) < max]
    return objects


def get_referents(object, level=1):  # noqa: A002 - pympler's name
    """The objects object refers to, and theirs, up to level levels, without duplicates."""
    res = gc.get_referents(object)
    level -= 1
    if level > 0:
        for o in res:
            res.extend(get_referents(o, level))
    return _remove_duplicates(res)


def _is_containerobject(o):
    """Whether o's type is a gc container type (Py_TPFLAGS_HAVE_GC)."""
    return bool(getattr(type(o), "__flags__", 0) & _Py_TPFLAGS_HAVE_GC)


def _remove_duplicates(objects):
    """The objects in their order, each one once (by identity)."""
    seen = set()
    result = []
    for item in objects:
        marker = id(item)
        if marker not in seen:
            seen.add(marker)
            result.append(item)
    return result


def print_summary():
    """Print a summary of every live object (pympler's table)."""
    summary.print_(summary.summarize(get_objects()))
