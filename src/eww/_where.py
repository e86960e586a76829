"""The `trace` and `where` console commands: where were the live objects of a type allocated?

tracemalloc records a traceback for every allocation made while it traces; `where TYPE` looks
up the traceback of each live instance (in C, cmd_refs.c, on a snapshot of the app when it
can) and groups them; this module turns the groups into text with their source lines.
"""

import dis
import linecache
import sys
import tracemalloc


# CPython 3.11's tracemalloc.get_object_traceback() does not account for the managed-dict
# pre-header of instances whose attributes are stored inline (CPython gh-101430, fixed in
# 3.12): for those it finds no traceback. The public API offers no way around it.
_INLINE_ATTRIBUTES_BUG = sys.version_info[:2] == (3, 11)
_MANAGED_DICT = 1 << 4  # Py_TPFLAGS_MANAGED_DICT


def trace(args):
    if not args or args[0] not in ("on", "off") or len(args) > 2:
        raise ValueError("usage: trace on [FRAMES] | trace off")
    if args[0] == "off":
        if not tracemalloc.is_tracing():
            return "Allocation tracing is already off.\n"
        tracemalloc.stop()
        return "Allocation tracing is off (its memory is freed).\n"
    frames = 10
    if len(args) == 2:
        if not args[1].isdigit() or not 1 <= int(args[1]) <= 1000:
            raise ValueError("trace on takes a number of frames from 1 to 1000")
        frames = int(args[1])
    if tracemalloc.is_tracing():
        return (f"Allocation tracing is already on ({tracemalloc.get_traceback_limit()} "
                "frames).\n")
    tracemalloc.start(frames)
    return (f"Allocation tracing is on ({frames} frames): objects allocated from now on get a "
            "traceback for `where`.\n")


_functions = {}  # filename -> {line: function name}, for the last files asked about


def _lines_of(filename):
    """Which function each line of a source file belongs to: tracemalloc's frames carry a
    file and a line, and Python prints the function's name too. The file is compiled (not
    run) once; a nested function's lines are its own."""
    table = _functions.get(filename)
    if table is not None:
        return table
    table = {}
    source = "".join(linecache.getlines(filename))
    try:
        todo = [compile(source, filename, "exec")] if source else []
    except (SyntaxError, ValueError):
        todo = []
    while todo:
        code = todo.pop(0)  # outer code first: an inner function's lines override
        for _, line in dis.findlinestarts(code):
            if line is not None:
                table[line] = code.co_name
        todo.extend(c for c in code.co_consts if hasattr(c, "co_code"))
    if len(_functions) >= 64:
        _functions.clear()
    _functions[filename] = table
    return table


def _format_frame(filename, lineno):
    name = _lines_of(filename).get(lineno)
    head = f'  File "{filename}", line {lineno}' + (f", in {name}" if name else "")
    source = linecache.getline(filename, lineno).strip()
    return head + (f"\n    {source}" if source else "")


def format_groups(found, limit=5):
    """The text of `where TYPE` from what the engine found (in C, on a snapshot of the app
    when it can): (type name, type flags, [(raw traceback, count), ...], untraced). A raw
    traceback is _tracemalloc's tuple of (filename, lineno), the most recent call first."""
    name, type_flags, groups, untraced = found
    lines = []
    for raw, count in sorted(groups, key=lambda kv: -kv[1])[:limit]:
        # as Python prints a traceback: from the oldest call to the most recent
        lines.append(f"{count} {name} allocated at (most recent call last):")
        for filename, lineno in reversed(raw):
            lines.append(_format_frame(filename, lineno))
    if untraced:
        if _INLINE_ATTRIBUTES_BUG and not groups and type_flags & _MANAGED_DICT:
            lines.append(f"{untraced} {name} have no traceback: on Python 3.11, tracemalloc "
                         "cannot find the traceback of instances whose attributes are stored "
                         "inline (CPython gh-101430, fixed in 3.12). Give the class "
                         "__slots__, or use Python 3.12+.")
        else:
            lines.append(f"{untraced} {name} have no traceback: allocated before tracing "
                         "started.")
    return "\n".join(lines) + "\n"


def format_groups_json(found, limit=5):
    """`where TYPE --json`: the same groups as one JSON object; each site's traceback runs
    from the oldest call to the most recent, as the text prints it."""
    import json

    name, type_flags, groups, untraced = found
    sites = []
    for raw, count in sorted(groups, key=lambda kv: -kv[1])[:limit]:
        frames = []
        for filename, lineno in reversed(raw):
            frames.append({"file": filename, "line": lineno,
                           "function": _lines_of(filename).get(lineno),
                           "source": linecache.getline(filename, lineno).strip() or None})
        sites.append({"count": count, "traceback": frames})
    return json.dumps({"type": name, "sites": sites, "sites_total": len(groups),
                       "untraced": untraced}) + "\n"
