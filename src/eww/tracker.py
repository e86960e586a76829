"""Drop-in for pympler.tracker: `from eww import tracker`.

SummaryTracker().print_diff() prints what changed since the tracker was made or last asked,
like pympler's, except that it is exact: with ignore_self (the default) the summaries the
tracker keeps are of types the heap walk never counts nor looks into, so no later summary
sees them (pympler subtracts them by counting referrers, which misses shared objects); an
idle diff is empty and a leak of 10,000 objects shows as exactly 10,000.

ObjectTracker keeps every live object, as pympler's, and diffs the sets by identity.
"""

import inspect

from . import _eww, muppy, summary
from .heap import HiddenDict

__all__ = ["SummaryTracker", "ObjectTracker"]


class _Summary(list):
    """A summary the tracker keeps: the heap walk neither counts it nor looks into it."""

    __slots__ = ()
    _eww_hidden_ = True


class _Row(list):
    __slots__ = ()
    _eww_hidden_ = True


class SummaryTracker:
    """Summaries of the whole heap, and their differences (pympler's API: s0, summaries,
    ignore_self, create_summary, diff, print_diff, format_diff, store_summary)."""

    _eww_hidden_ = True

    def __init__(self, ignore_self=True):
        self.ignore_self = ignore_self
        self.summaries = HiddenDict() if ignore_self else {}
        self.create_summary()  # warm-up: caches made lazily on first use are not a change
        self.s0 = self.create_summary()

    def create_summary(self):
        """A summary of every live object, now (without the tracker's own summaries when
        ignore_self)."""
        objects = muppy.get_objects()
        rows = summary.summarize(objects)
        del objects
        if not self.ignore_self:
            return rows
        return _Summary(_Row(r) for r in rows)

    def diff(self, summary1=None, summary2=None):
        """The rows that changed: from the last summary (or summary1) to a new one, which
        becomes the last; or from summary1 to summary2 when both are given."""
        if summary2 is None:
            self.s1 = self.create_summary()
            res = summary.get_diff(self.s0 if summary1 is None else summary1, self.s1)
            self.s0 = self.s1
        elif summary1 is not None:
            res = summary.get_diff(summary1, summary2)
        else:
            raise ValueError("You cannot provide summary2 without summary1.")
        return summary._sweep(res)

    def print_diff(self, summary1=None, summary2=None):
        """Print diff()'s table."""
        summary.print_(self.diff(summary1=summary1, summary2=summary2))

    def format_diff(self, summary1=None, summary2=None):
        """diff()'s table, as lines."""
        return summary.format_(self.diff(summary1=summary1, summary2=summary2))

    def store_summary(self, key):
        """Keep a new summary as self.summaries[key]."""
        self.summaries[key] = self.create_summary()


class ObjectTracker:
    """The objects created and gone between two calls (pympler's API: get_diff, print_diff,
    format_diff). It holds every live object between calls, as pympler's does."""

    def __init__(self):
        self.o0 = self._get_objects(ignore=(inspect.currentframe(),))

    def _get_objects(self, ignore=()):
        """Every live object but those in ignore, this tracker and its lists."""
        skip = {id(o) for o in ignore}
        skip.update((id(self), id(ignore), id(skip)))
        for name in ("o0", "o1"):
            if hasattr(self, name):
                skip.add(id(getattr(self, name)))
        return [o for o in _eww.heap_objects(frames=False) if id(o) not in skip]

    def get_diff(self, ignore=()):
        """{'+': objects new since the last call, '-': objects gone since}."""
        self.o1 = self._get_objects(ignore + (inspect.currentframe(),))
        diff = muppy.get_diff(self.o0, self.o1)
        self.o0 = self.o1
        return diff

    def print_diff(self, ignore=()):
        """Print format_diff()'s lines."""
        for line in self.format_diff(ignore + (inspect.currentframe(),)):
            print(line)

    def format_diff(self, ignore=()):
        """Summaries of the added and of the removed objects, as lines."""
        lines = []
        diff = self.get_diff(ignore + (inspect.currentframe(),))
        lines.append("Added objects:")
        lines.extend(summary.format_(summary.summarize(diff["+"])))
        lines.append("Removed objects:")
        lines.extend(summary.format_(summary.summarize(diff["-"])))
        return lines
