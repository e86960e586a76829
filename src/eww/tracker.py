"""Drop-in for pympler.tracker: `from eww import tracker`.

SummaryTracker().print_diff() prints what changed since the tracker was made or last asked,
like pympler's, except that it is exact: the tracker's own objects never appear (its state is
C memory, invisible to the walk), so an idle diff is empty and a leak of 10,000 objects shows
as exactly 10,000.
"""

from . import _eww
from . import summary as _summary

__all__ = ["SummaryTracker"]


class SummaryTracker:
    _eww_hidden_ = True

    def __init__(self, ignore_self=True):
        _eww.Snapshot()  # warm-up: lazily created interpreter caches are not a change
        self._last = _eww.Snapshot()

    def create_summary(self):
        """Rows [type, count, size] of a walk of the whole heap, now."""
        return [r[:3] for r in _eww.Snapshot().rows()]

    def diff(self, summary1=None, summary2=None):
        """The change since the last diff (or between two summaries, when given)."""
        if summary1 is not None:
            return _summary.get_diff(summary1, summary2 if summary2 is not None
                                     else self.create_summary())
        now = _eww.Snapshot()
        rows = now.diff(self._last)
        self._last = now
        return rows

    def format_diff(self, summary1=None, summary2=None):
        return _summary.format_(self.diff(summary1, summary2))

    def print_diff(self, summary1=None, summary2=None):
        _summary.print_(self.diff(summary1, summary2))
