"""The heap engine for Python code (the REPL, tests, scripts): plain data out.

    >>> import eww.heap
    >>> eww.heap.summary(limit=3)               # [(type, count, size), ...] largest first
    >>> t = eww.heap.Tracker()                  # baseline
    >>> t.diff()                                # [(type, count change, size change), ...]

Every live object is counted (gc-tracked, untracked ones they hold, the frozen generation),
with sizes exactly as sys.getsizeof gives them; eww's own objects never appear.
"""

from . import _eww

__all__ = ["summary", "totals", "Tracker", "Growth"]


class HiddenDict(dict):
    """A dict the heap walk neither counts nor looks into: for eww's own bookkeeping (its
    keys and values must be untracked objects, str and int, so nothing else reaches them)."""

    _eww_hidden_ = True


def summary(limit=None, sort="size", collect=False):
    """Every live object by type: [(type, count, size), ...], largest first."""
    if sort not in ("size", "count"):
        raise ValueError("sort must be 'size' or 'count'")
    rows = _eww.Snapshot(collect=collect).rows()
    key = 2 if sort == "size" else 1
    rows.sort(key=lambda r: (-r[key], r[0]))
    return [(r[0], r[1], r[2]) for r in rows[:limit]]


def totals(collect=False):
    """{objects, size, unknown, types, seconds, engine_bytes} of a walk of the whole heap."""
    return _eww.Snapshot(collect=collect).totals()


class Tracker:
    """pympler's SummaryTracker, exact: each diff() is the change since the previous one.

    The tracker keeps its state in C memory and is invisible to the walks, so its first
    diff does not show its own objects and an idle diff is empty."""

    _eww_hidden_ = True

    def __init__(self):
        _eww.Snapshot()  # warm-up: lazily created interpreter caches are not a change
        self._last = _eww.Snapshot()

    def diff(self):
        now = _eww.Snapshot()
        rows = now.diff(self._last)
        self._last = now
        rows.sort(key=lambda r: (-abs(r[2]), r[0]))
        return [(r[0], r[1], r[2]) for r in rows]


class Growth:
    """objgraph's show_growth with memory: counts against their peaks, and which types grew
    in at least k of the last n calls (steady growth is the signature of a leak)."""

    _eww_hidden_ = True

    def __init__(self, window=5):
        self.peaks = HiddenDict()  # type -> peak count
        self.grew = HiddenDict()  # type -> bit i set: grew i calls ago (last `window` calls)
        self.window = window

    def update(self, limit=10):
        """[(type, count, delta, grew_in_calls), ...]: types above their peak, largest first;
        grew_in_calls counts the last `window` calls (this one included) in which it grew."""
        rows = _eww.Snapshot().rows()
        grew = []
        mask = (1 << self.window) - 1
        for name in list(self.grew):
            self.grew[name] = (self.grew[name] << 1) & mask
        for name, count, _size, _unknown in rows:
            old = self.peaks.get(name, 0)
            if count > old:
                grew.append((name, count, count - old))
                self.peaks[name] = count
                self.grew[name] = self.grew.get(name, 0) | 1
        grew.sort(key=lambda g: (-g[2], g[0]))
        return [(n, c, d, bin(self.grew[n]).count("1")) for n, c, d in grew[:limit]]
