"""Baselines that outlive a connection (issue: hunt): named snapshots, and diff and growth
run one command at a time from a shell, with the real client."""

import re

import pytest

from test_heap import HeapApp, heap_app  # noqa: F401 - heap_app: an app that runs what we send


def leaky_row(out):
    """The '# objects' cell of __main__.Leaky in a diff table, or None."""
    for line in out.splitlines():
        cells = line.split("|")
        if cells[0].strip() == "__main__.Leaky":
            return cells[1].strip()
    return None


def test_one_shot_diffs_from_a_shell_compare_with_each_other(heap_app):
    r = heap_app.client("diff")
    assert r.returncode == 0 and r.stdout.startswith("Baseline set: "), r.stdout + r.stderr
    heap_app.do("store.extend(Leaky(1) for i in range(1000))")
    r = heap_app.client("diff")
    assert r.returncode == 0 and leaky_row(r.stdout) == "+1000", r.stdout
    heap_app.do("del store[:400]")
    assert leaky_row(heap_app.client("diff").stdout) == "-400"
    # an interactive session keeps a baseline of its own, and leaves the shell's alone
    raw = heap_app.raw()
    raw.hello()
    status, out, _ = raw.command("diff")
    assert status == 0 and out.startswith("Baseline set: ")
    heap_app.do("store.extend(Leaky(1) for i in range(7))")
    assert leaky_row(raw.command("diff")[1]) == "+7"
    raw.close()
    assert leaky_row(heap_app.client("diff").stdout) == "+7"


def test_one_shot_growth_goes_on_from_the_last(heap_app):
    first = heap_app.client("growth", "-n", "1000")
    assert first.returncode == 0 and "__main__.Leaky" not in first.stdout
    for k in range(3):
        heap_app.do("store.extend(Leaky(1) for i in range(500))")
        r = heap_app.client("growth")
        line = [x for x in r.stdout.splitlines() if x.startswith("__main__.Leaky ")]
        assert line, r.stdout
        assert re.search(rf"\s{500 * (k + 1)}\s+\+500\s+grew in {k + 1} of the last {k + 2} calls",
                         line[0]), line
    assert "<- steady growth" in line[0]


def test_named_snapshots_outlive_their_connection(heap_app):
    # Cyclic garbage an automatic collection frees later would rightly show as a change.
    heap_app.do("gc.collect(); gc.disable()")
    r = heap_app.client("snapshot", "before")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Snapshot 'before' kept: ") and "`diff before`" in r.stdout
    heap_app.do("store.extend(Leaky(1) for i in range(250))")
    # from another connection, and twice: the snapshot is not a baseline that moves
    for _ in range(2):
        r = heap_app.client("diff", "before")
        assert r.returncode == 0 and leaky_row(r.stdout) == "+250", r.stdout
    heap_app.do("del store[:]")
    r = heap_app.client("diff", "before")
    assert r.stdout.startswith("No change since snapshot 'before' (taken "), r.stdout
    listing = heap_app.client("snapshot", "--list").stdout.splitlines()
    assert listing[0].split() == ["name", "taken", "age", "objects", "types", "size"]
    assert [line.split()[0] for line in listing[1:]] == ["before"]
    # unnamed ones are numbered; a name taken again is replaced
    assert heap_app.client("snapshot").stdout.startswith("Snapshot '1' kept: ")
    assert heap_app.client("snapshot").stdout.startswith("Snapshot '2' kept: ")
    assert "Snapshot 'before' replaced: " in heap_app.client("snapshot", "before").stdout
    r = heap_app.client("snapshot", "--drop", "1")
    assert r.returncode == 0 and r.stdout == "Snapshot '1' dropped.\n"
    assert [line.split()[0] for line in heap_app.client("snapshot", "--list").stdout
            .splitlines()[1:]] == ["before", "2"]
    assert heap_app.client("snapshot").stdout.startswith("Snapshot '1' kept: ")  # free again
    r = heap_app.client("diff", "nope")
    assert r.returncode == 1 and "diff: no snapshot named 'nope'" in r.stderr


def test_a_live_walk_keeps_snapshots_too(heap_app):
    raw = heap_app.raw()
    raw.hello()
    assert raw.command("walk", "live")[0] == 0
    status, out, err = raw.command("snapshot", "inproc")
    assert status == 0 and "Snapshot 'inproc' kept" in out, err
    raw.close()
    heap_app.do("store.extend(Leaky(1) for i in range(30))")
    r = heap_app.client("diff", "inproc")  # compared on a forked snapshot
    assert leaky_row(r.stdout) == "+30", r.stdout


def test_snapshots_are_bounded_and_freed_by_remove(heap_app):
    for k in range(16):
        assert heap_app.client("snapshot", f"s{k}").returncode == 0
    r = heap_app.client("snapshot", "one-too-many")
    assert r.returncode == 1
    assert "snapshot: 16 snapshots are kept already; `snapshot --drop NAME` frees one" in r.stderr
    assert heap_app.client("snapshot", "s3").returncode == 0  # replacing is fine
    heap_app.do("eww.remove(); eww.embed()")
    r = heap_app.client("snapshot", "--list")
    assert r.returncode == 0 and r.stdout == "No snapshots kept. `snapshot NAME` keeps one.\n"
    r = heap_app.client("diff")
    assert r.stdout.startswith("Baseline set: ")  # the one-shot baseline went too


@pytest.mark.parametrize("args, error", [
    (["bad name"], "snapshot: 'bad name' is not a snapshot name"),
    (["-x"], "snapshot: unknown option '-x'"),
    (["a", "b"], "snapshot: unexpected argument 'b'"),
    (["--drop"], "snapshot: --drop takes a snapshot's name, not 'nothing'"),
    (["--drop", "nope"], "snapshot: no snapshot named 'nope'"),
    (["x" * 65], "is not a snapshot name (1 to 64 letters"),
])
def test_snapshot_errors(heap_app, args, error):
    r = heap_app.client("snapshot", *args)
    assert r.returncode == 1 and error in r.stderr, (r.stdout, r.stderr)


def test_baselines_kept_the_same_when_walking_in_process(sockdir):
    # embed(snapshot=False): the walks run in the app, and what they keep for the process is
    # published there (the snapshot engine's other path)
    app = HeapApp(sockdir, embed="eww.embed(snapshot=False)")
    try:
        app.do("gc.collect(); gc.disable()")
        r = app.client("diff")
        assert r.returncode == 0 and "Baseline set: " in r.stdout, r.stdout + r.stderr
        assert "walking the live heap in process" in r.stderr
        assert app.client("snapshot", "here").returncode == 0
        app.do("store.extend(Leaky(1) for i in range(30))")
        assert leaky_row(app.client("diff").stdout) == "+30"
        assert leaky_row(app.client("diff", "here").stdout) == "+30"
        listed = app.client("snapshot", "--list").stdout
        assert re.search(r"^\s*here\s", listed, re.M), listed
    finally:
        app.stop()
