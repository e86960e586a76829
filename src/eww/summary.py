"""Drop-in for pympler.summary: `from eww import summary`.

summarize(objects) -> [[type, count, total size], ...] like pympler's rows; print_ and
format_ print pympler's table. Sizes are sys.getsizeof, counted in C.
"""

from sys import getsizeof as _getsizeof
from types import FunctionType as _FunctionType

from . import _eww

__all__ = ["summarize", "print_", "format_", "get_diff"]


def summarize(objects):
    """Rows [type, count, total size] for the objects (a list, e.g. muppy.get_objects()).

    As pympler does, functions are rows of their own by name ('function (main)') and so are
    modules ('module(os)'); every other object is counted by type, in C."""
    named = []
    rows = _eww.heap_summarize(objects, named)
    extra = {}
    for o in named:
        key = (f"function ({o.__name__})" if isinstance(o, _FunctionType)
               else f"module({o.__name__})")
        row = extra.setdefault(key, [key, 0, 0])
        row[1] += 1
        row[2] += _getsizeof(o)
    del named
    return rows + list(extra.values())


def get_diff(left, right):
    """Rows of right minus left, as pympler's summary.get_diff (types that changed)."""
    before = {r[0]: r for r in left}
    after = {r[0]: r for r in right}
    out = []
    for name in set(before) | set(after):
        b = before.get(name, [name, 0, 0])
        a = after.get(name, [name, 0, 0])
        if a[1] != b[1] or a[2] != b[2]:
            out.append([name, a[1] - b[1], a[2] - b[2]])
    return out


def _pp(size):
    """pympler's size text: '4.77 MB', '2.00 KB', '100     B'."""
    units = ["B", "KB", "MB", "GB", "TB"]
    value, unit = abs(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024.0
        unit += 1
    sign = "-" if size < 0 else ""
    if unit == 0:
        return f"{sign}{int(value)}     B"
    return f"{sign}{value:.2f} {units[unit]}"


def format_(rows, limit=15, sort="size", order="descending"):
    """The table's lines, as pympler.summary.format_."""
    column = {"type": 0, "types": 0, "number": 1, "count": 1, "size": 2}.get(sort, 2)
    rows = sorted(rows, key=lambda r: r[column], reverse=order == "descending")[:limit]
    width = max([len("types")] + [len(str(r[0])) for r in rows]) + 2  # as pympler pads
    yield f"{'types':>{width}} |   # objects |   total size"
    yield f"{'=' * width} | =========== | ============"
    for name, count, size in ((r[0], r[1], r[2]) for r in rows):
        yield f"{name:>{width}} | {count:>11} | {_pp(size):>12}"


def print_(rows, limit=15, sort="size", order="descending"):
    """Print the table, as pympler.summary.print_."""
    for line in format_(rows, limit=limit, sort=sort, order=order):
        print(line)
