"""Drop-in for pympler.muppy: `from eww import muppy`.

get_objects() returns every live object the heap walk reaches: the gc's objects, everything
untracked they hold (followed transitively, where pympler looks one level deep), and the
frozen generation. Unlike pympler it runs no gc.collect() and its own list is not in it.
"""

from . import _eww

__all__ = ["get_objects", "get_size"]


def get_objects(remove_dups=True, include_frames=False):
    """Every live object (remove_dups and include_frames are accepted for compatibility:
    the walk never returns an object twice, and includes frame objects that exist)."""
    return _eww.heap_objects()


def get_size(objects):
    """Total size in bytes of the objects (sys.getsizeof each)."""
    return sum(row[2] for row in _eww.heap_summarize(objects))  # every object by type
