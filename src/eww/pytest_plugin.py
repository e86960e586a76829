"""eww's pytest plugin: fail a test that leaks objects, and say what holds them.

Installed with eww (an entry point: ``pip install eww`` is enough)::

    @pytest.mark.eww_no_leaks                   # or: pytest --eww-leaks (every test)
    def test_handler():
        handle(make_request())

A checked test's body runs ``warmup`` times (default 2: caches fill, imports happen), then
``runs`` more times (default 3) with an exact walk of the heap (eww's engine: every live
object, by type, counted and sized exactly) after each. A type whose number of objects grew
in *every one* of the measured runs accumulates: the test fails with the table of what grew
per run and, for each of those types, the chain of references that keeps one of the new
objects alive (``module app -> attribute 'registry' -> list index 12``).

The body runs with the same fixture values each time. Known caches that keep growing can be
allowed: ``@pytest.mark.eww_no_leaks(allow=["app.CacheEntry"])``, or the ini option
``eww_leaks_allow`` (one type name per line). Coroutine tests are run once, unchecked.

Unlike pytest-memray's ``limit_leaks``, nothing has to trace allocations from the start, and
the report names the holders of the leaked objects, not the lines that allocated them.
"""

import gc
import inspect

import pytest

MARKER = "eww_no_leaks"
SHOW_TYPES = 12  # rows of the table in a failure
SHOW_CHAINS = 3  # types whose holder is looked up


def pytest_addoption(parser):
    group = parser.getgroup("eww", "eww: leaked objects")
    group.addoption("--eww-leaks", action="store_true", default=False,
                    help="check every test for objects that accumulate, as if each had "
                         f"@pytest.mark.{MARKER}")
    parser.addini("eww_leaks_allow", type="linelist", default=[],
                  help="type names the eww leak check ignores (known caches), one per line")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{MARKER}(runs=3, warmup=2, allow=()): run the test body warmup + runs times and "
        "fail when objects of some type accumulate in every one of the last runs (eww)")


def _options(item):
    marker = item.get_closest_marker(MARKER)
    if marker is None and not item.config.getoption("eww_leaks"):
        return None
    kw = dict(marker.kwargs) if marker is not None else {}
    runs, warmup = kw.pop("runs", 3), kw.pop("warmup", 2)
    allow = set(kw.pop("allow", ())) | set(item.config.getini("eww_leaks_allow"))
    if kw or (marker is not None and marker.args):
        raise pytest.UsageError(f"{MARKER} takes runs=, warmup= and allow= (keywords), not "
                                f"{marker.args or ''} {sorted(kw) or ''}")
    if not isinstance(runs, int) or runs < 2 or not isinstance(warmup, int) or warmup < 0:
        raise pytest.UsageError(f"{MARKER}: runs must be an int >= 2 and warmup an int >= 0")
    return runs, warmup, allow


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    options = _options(pyfuncitem)
    function = pyfuncitem.obj
    if options is None or inspect.iscoroutinefunction(function):
        return None  # pytest (or an async plugin) calls it as usual
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}

    def body():
        function(**kwargs)

    message = check(body, *options)
    if message:
        pytest.fail(message, pytrace=False)
    return True


def _walk():
    from . import _eww

    gc.collect()
    return _eww.Snapshot()


def check(body, runs=3, warmup=2, allow=()):
    """Run body warmup + runs times; the report of what accumulated, or None."""
    for _ in range(warmup):
        body()
    walks = [_walk()]
    for _ in range(runs):
        body()
        walks.append(_walk())
    # every walk is taken before any of this bookkeeping makes an object
    grew, total = None, {}
    for before, after in zip(walks, walks[1:]):
        up = {}
        for name, count, size in after.diff(before):
            if count > 0 and name not in allow:
                up[name] = (count, size)
        grew = set(up) if grew is None else grew & set(up)
        for name, (count, size) in up.items():
            c, s = total.get(name, (0, 0))
            total[name] = (c + count, s + size)
    del walks
    if not grew:
        return None
    rows = sorted(grew, key=lambda n: (-total[n][1], n))
    holders = _holders(body, rows, set(allow))
    rows = [name for name in rows if name in holders]  # what an allowed cache holds is not
    if not rows:
        return None
    lines = [f"eww: objects accumulated in each of the last {runs} runs of the test "
             f"(after {warmup} warm-up run{'s' if warmup != 1 else ''}):",
             f"  {'type':40} {'objects/run':>12} {'bytes/run':>12}"]
    for name in rows[:SHOW_TYPES]:
        count, size = total[name]
        lines.append(f"  {name:40} {'+%g' % round(count / runs, 1):>12} "
                     f"{'+%g' % round(size / runs, 1):>12}")
    if len(rows) > SHOW_TYPES:
        lines.append(f"  ... and {len(rows) - SHOW_TYPES} more types")
    shown = [(name, holders[name]) for name in rows[:SHOW_CHAINS] if holders[name]]
    if shown:
        lines.append("What keeps them alive (one new object of each, from one more run):")
        lines.extend(f"  {name}: {chain}" for name, chain in shown)
    lines.append(f"(a known cache? @pytest.mark.{MARKER}(allow=[...]) or the ini option "
                 "eww_leaks_allow)")
    return "\n".join(lines)


def _holders(body, names, allow, tries=5):
    """One more run, and the new objects of each type: {name: the chain that keeps one of
    them alive, or ""} for the types some new object of which no allowed type holds (what
    an allowed cache keeps, its entries' attributes too, is not a leak). A chain from a
    module is preferred to one from a local variable."""
    from . import _eww

    gc.collect()
    seen = {name: {id(o) for o in _eww.heap_objects(typename=name)} for name in names}
    ours = {id(seen), *map(id, seen.values())}  # this bookkeeping's own dict and sets
    ours.add(id(ours))
    body()
    gc.collect()
    found = {}
    for name in names:
        # the objects are only ever on the evaluation stack here, never in a local variable,
        # so that no chain starts at this frame
        new = [o for o in _eww.heap_objects(typename=name)
               if id(o) not in seen[name] and id(o) not in ours][-tries:]
        want_chain = len(found) < SHOW_CHAINS
        best, held_all = None, bool(new)
        while new:
            if not allow and not want_chain:
                held_all = False  # a leak, whose chain is not shown: no walk needed
                break
            # one walk: the chain's text, and the types of what holds the object
            chain, holders = _eww.ref_chain_described(new.pop())
            if allow and any(holder in allow for holder in holders):
                continue
            held_all = False
            if not want_chain:
                break
            chain = chain or "no root reaches it (held by C code?)"
            if best is None or (best.startswith("local ") and not chain.startswith("local ")):
                best = chain
            if best.startswith("module "):
                break
        new = None
        if not held_all:
            found[name] = best or ""
    return found

