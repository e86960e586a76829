"""Drop-in for pympler.charts: tracker_timespace(filename, stats).

pympler draws with matplotlib (and does nothing without it); eww draws the tracked total of
each snapshot over time with its own SVG renderer, the one `stats -g` uses, and writes it to
filename with an .svg suffix. Returns the path written.
"""

from .classtracker_stats import _write_svg


def tracker_timespace(filename, stats):
    """The tracked memory of each snapshot of `stats` over time, as an SVG chart."""
    for snapshot in stats.snapshots:
        stats.annotate_snapshot(snapshot)
    points = [(fp.timestamp, fp.tracked_total) for fp in stats.snapshots]
    return _write_svg(filename, points, "Snapshot Memory: tracked total", "Execution Time [s]",
                      None, bytes=True)
