"""Drop-in for pympler.summary: `from eww import summary`.

A summary is a list of rows [type, number of objects, total size], as pympler's: the type is
summary._repr(o) (`str`, `__main__.Handler`, `function (main)`, `module(os)`, `frame (codename:
run)`), the size sys.getsizeof. summarize() counts in C; it runs the Python `_repr` only for
the objects pympler names one by one (functions, modules, frames, instances of a class whose
metaclass has a `__repr__`), and falls back to pympler's loop when `_repr` or
`representations` were changed, so a patched `_repr` is honoured exactly.
"""

import re
import types
from sys import getsizeof

from . import _eww, _text

__all__ = ["summarize", "get_diff", "format_", "print_", "representations"]

representations = {}


def _init_representations():
    """The verbosity levels of the types pympler names by more than their type."""
    representations[types.FrameType] = [
        lambda f: "frame (codename: %s)" % (f.f_code.co_name),
        lambda f: "frame (codename: %s, codeline: %s)" % (f.f_code.co_name,
                                                           f.f_code.co_firstlineno),
        lambda f: "frame (codename: %s, filename: %s, codeline: %s)"
        % (f.f_code.co_name, f.f_code.co_filename, f.f_code.co_firstlineno),
    ]
    representations[dict] = [lambda d: str(type(d)), lambda d: "dict, len=%s" % len(d)]
    representations[types.FunctionType] = [
        lambda f: "function (%s)" % f.__name__,
        lambda f: "function (%s.%s)" % (f.__module__, f.__name__),
    ]
    representations[list] = [lambda l: str(type(l)), lambda l: "list, len=%s" % len(l)]
    representations[types.ModuleType] = [lambda m: "module(%s)" % getattr(
        m, "__name__", getattr(m, "__file__", "nameless, id: %d" % id(m)))]
    representations[set] = [lambda s: str(type(s)), lambda s: "set, len=%s" % len(s)]


_init_representations()
_default_representations = {t: list(v) for t, v in representations.items()}

# regular expressions used by _repr to replace default type representations
type_repr = re.compile(r"^<(type|class) '(\S+)'>$")
address = re.compile(r" at 0x[0-9a-f]+")


def _repr(o, verbosity=1):
    """The type column of o's row: str(type(o)) without `<class '...'>`, or the text of
    representations[type(o)] at that verbosity (the highest one it has, if fewer)."""
    t = type(o)
    if verbosity == 0 or t not in representations:
        res = str(t)
    else:
        verbosity -= 1
        if len(representations[t]) <= verbosity:
            verbosity = len(representations[t]) - 1
        res = representations[t][verbosity](o)
    res = address.sub("", res)
    return type_repr.sub(r"\2", res)


_default_repr = _repr


def _fast():
    """Whether summarize may count in C: _repr and representations are as shipped."""
    return (_repr is _default_repr and len(representations) == len(_default_representations)
            and all(representations.get(t) == v for t, v in _default_representations.items()))


def summarize(objects):
    """Rows [type, count, total size] for the objects, one per distinct _repr (no order)."""
    if not _fast():
        return _summarize_each(objects)
    named = []
    rows = _eww.heap_summarize(objects, named)
    return _merge(rows, _summarize_each(named))


def _summarize_each(objects):
    count, total = {}, {}
    for o in objects:
        key = _repr(o)
        if key in count:
            count[key] += 1
            total[key] += getsizeof(o)
        else:
            count[key] = 1
            total[key] = getsizeof(o)
    return [[key, count[key], total[key]] for key in count]


def _merge(rows, more):
    """rows + more, rows of the same type added up (an instance named by a metaclass
    __repr__ like `<enum 'Color'>` never collides with a C row, but a dotted name may)."""
    if not more:
        return rows
    at = {r[0]: r for r in rows}
    for key, n, size in more:
        if key in at:
            at[key][1] += n
            at[key][2] += size
        else:
            rows.append([key, n, size])
    return rows


def get_diff(left, right):
    """Rows of right minus left, by type; a type on one side only keeps its row (negated when
    only left has it); a type on both sides with no change is a row of zeros."""
    res = []
    right_by_key = {r[0]: r for r in right}
    left_by_key = {r[0]: r for r in left}
    keys = set(right_by_key)
    keys.update(left_by_key)
    for key in keys:
        r = right_by_key.get(key)
        lt = left_by_key.get(key)
        if lt and r:
            res.append([key, r[1] - lt[1], r[2] - lt[2]])
        elif r:
            res.append(r)
        elif lt:
            res.append([key, -lt[1], -lt[2]])
    return res


_pp = _text.pp


def format_(rows, limit=15, sort="size", order="descending"):
    """The table's lines (a generator), as pympler: sort by 'size', 'type' or '#', 'ascending'
    or 'descending'; ValueError for any other."""
    localrows = [list(row) for row in rows]
    sortby = ["type", "#", "size"]
    if sort not in sortby:
        raise ValueError("invalid sort, should be one of" + str(sortby))
    orders = ["ascending", "descending"]
    if order not in orders:
        raise ValueError("invalid order, should be one of" + str(orders))
    if sort == "type":
        localrows.sort(key=lambda x: _repr(x[0]), reverse=order == "descending")
    else:
        column = sortby.index(sort)
        localrows.sort(key=lambda x: x[column], reverse=order == "descending")
    localrows = localrows[0:limit]
    for row in localrows:
        row[2] = _pp(row[2])
    localrows.insert(0, ["types", "# objects", "total size"])
    return _format_table(localrows)


def _format_table(rows, header=True):
    """Lines of a table right-justified in columns as wide as their widest item plus one
    space each side, joined by ' | '; a line of '=' under the header."""
    widths = [max(len(str(item)) + 2 for item in col) for col in zip(*rows)]
    borderline = " | ".join("=" * w for w in widths)
    for row in rows:
        yield " | ".join(str(item).rjust(w) for item, w in zip(row, widths))
        if header:
            yield borderline
            header = False


def print_(rows, limit=15, sort="size", order="descending"):
    """Print the table (see format_)."""
    for line in format_(rows, limit=limit, sort=sort, order=order):
        print(line)


def _traverse(summary, function, *args):
    """Call function on the summary, each row, and each item of each row."""
    function(summary, *args)
    for row in summary:
        function(row, *args)
        for item in row:
            function(item, *args)


def _subtract(summary, o):
    """Take object o out of the summary (its type's row loses one object and its size)."""
    found = False
    row = [_repr(o), 1, getsizeof(o)]
    for r in summary:
        if r[0] == row[0]:
            (r[1], r[2]) = (r[1] - row[1], r[2] - row[2])
            found = True
    if not found:
        summary.append([row[0], -row[1], -row[2]])
    return summary


def _sweep(summary):
    """The rows whose count or size is not zero."""
    return [row for row in summary if row[2] != 0 or row[1] != 0]
