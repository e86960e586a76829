"""--json of the console's commands: parsed, and their keys pinned (issue: hunt). Scripts
depend on these names; docs/commands.md ("JSON") documents them. The scheme: snake_case,
byte quantities end in _bytes, durations in _seconds, changes in _delta, a row names its type
`type`, a list of rows is named after what it holds."""

import json

from test_heap import heap_app  # noqa: F401 - the fixture: an app that runs what we send


def as_json(app, *argv):
    r = app.client(*argv, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def keys(d):
    return sorted(d)


SUMMARY_ROW = ["count", "size_bytes", "type", "unknown"]
DIFF_ROW = ["count_delta", "size_delta_bytes", "type"]
DIFF = ["baseline_set", "objects", "since", "size_bytes", "snapshot", "types"]


def test_info_stats_memory_keys(heap_app):
    info = as_json(heap_app, "info")
    assert keys(info) == ["argv", "eww_version", "executable", "max_sessions", "pid", "program",
                          "protocol", "python", "rss_bytes", "sessions", "socket", "threads",
                          "uptime_seconds"]
    assert info["pid"] == heap_app.pid and info["rss_bytes"] > 0
    assert keys(as_json(heap_app, "stats")) == ["counters", "graphs", "max_datapoints"]
    memory = as_json(heap_app, "memory")
    assert keys(memory) == ["allocated_blocks", "malloc", "peak_rss_bytes", "pss_bytes",
                            "pymalloc_arena_bytes", "pymalloc_arenas", "rss_bytes", "swap_bytes",
                            "uss_bytes"]
    assert keys(memory["malloc"]) == ["free_bytes", "heap_bytes", "in_use_bytes", "mmap_bytes",
                                      "trimmable_bytes"]
    # the same fact has the same name in both
    assert abs(memory["rss_bytes"] - info["rss_bytes"]) < 64 << 20


def test_summary_keys(heap_app):
    data = as_json(heap_app, "summary", "-n", "3")
    assert keys(data) == ["engine_bytes", "objects", "size_bytes", "snapshot", "snapshot_bytes",
                          "types", "types_total", "unknown", "walk_seconds"]
    assert len(data["types"]) == 3 and all(keys(t) == SUMMARY_ROW for t in data["types"])


def test_diff_keys_for_each_baseline(heap_app):
    first = as_json(heap_app, "diff")
    assert keys(first) == DIFF
    assert first["baseline_set"] is True and first["since"] == "one-shot diff"
    assert first["types"] == [] and first["snapshot"] is None
    heap_app.do("store.extend(Leaky(1) for i in range(100))")
    second = as_json(heap_app, "diff")
    assert keys(second) == DIFF and second["baseline_set"] is False
    rows = {t["type"]: t for t in second["types"]}
    assert all(keys(t) == DIFF_ROW for t in second["types"])
    assert rows["__main__.Leaky"]["count_delta"] == 100
    assert rows["__main__.Leaky"]["size_delta_bytes"] > 0
    assert heap_app.client("snapshot", "base").returncode == 0
    heap_app.do("del store[:]")
    named = as_json(heap_app, "diff", "base")
    assert keys(named) == DIFF and named["since"] == "snapshot" and named["snapshot"] == "base"
    assert {t["type"]: t["count_delta"] for t in named["types"]}["__main__.Leaky"] == -100
    raw = heap_app.raw()
    raw.hello()
    status, out, _ = raw.command("diff", "--json")
    assert status == 0 and json.loads(out)["since"] == "diff"
    raw.close()


def test_growth_and_snapshot_list_keys(heap_app):
    as_json(heap_app, "growth")
    heap_app.do("store.extend(Leaky(1) for i in range(100))")
    data = as_json(heap_app, "growth")
    assert keys(data) == ["calls", "types"] and data["calls"] == 2
    row = {t["type"]: t for t in data["types"]}["__main__.Leaky"]
    assert keys(row) == ["calls", "count", "count_delta", "grew_in", "steady", "type"]
    assert row["count_delta"] == 100 and row["steady"] is False
    empty = as_json(heap_app, "snapshot", "--list")
    assert empty == {"snapshots": [], "max_snapshots": 16}
    heap_app.client("snapshot", "a")
    listing = as_json(heap_app, "snapshot", "--list")
    (snap,) = listing["snapshots"]
    assert keys(snap) == ["age_seconds", "name", "objects", "size_bytes", "taken_unix_seconds",
                          "types"]
    assert snap["name"] == "a" and snap["objects"] > 0 and snap["age_seconds"] >= 0


def test_chain_leaking_garbage_where_backrefs_keys(heap_app, tmp_path):
    heap_app.do("store.extend(Leaky(1) for i in range(20)); gc.disable()")
    heap_app.do("cycle = [Weird()]; cycle.append(cycle); del cycle")
    chain = as_json(heap_app, "chain", "Leaky")
    assert keys(chain) == ["chains", "chains_total", "objects", "type"]
    assert chain["type"] == "__main__.Leaky" and chain["objects"] == 20
    (group,) = chain["chains"]
    assert keys(group) == ["chain", "count", "example_id"] and group["count"] == 20
    assert group["chain"] == "module __main__ -> attribute 'store' -> list index *"
    one = as_json(heap_app, "chain", group["example_id"])
    assert keys(one) == ["chain", "id", "root", "type"]
    assert one["id"] == group["example_id"] and one["root"] == "module_or_thread"
    assert one["chain"].startswith("module __main__ -> attribute 'store' -> list index ")
    leaking = as_json(heap_app, "leaking", "-n", "3")
    assert keys(leaking) == ["objects", "types", "types_total"]
    assert all(keys(t) == ["count", "example_id", "type"] for t in leaking["types"])
    garbage = as_json(heap_app, "garbage")
    assert keys(garbage) == ["collected", "collected_now", "collections", "cyclic_garbage",
                             "cyclic_garbage_types", "uncollectable", "uncollectable_types"]
    weird = {t["type"]: t for t in garbage["cyclic_garbage_types"]}["__main__.Weird"]
    assert keys(weird) == ["count", "example_ids", "type"] and weird["count"] == 1
    assert garbage["collected_now"] is None
    collected = as_json(heap_app, "garbage", "--collect")
    assert collected["collected_now"] >= 2  # the list and the Weird, at least
    assert heap_app.client("trace", "on").returncode == 0
    heap_app.do("store.extend(Leaky(2) for i in range(5))")
    where = as_json(heap_app, "where", "Leaky")
    assert keys(where) == ["sites", "sites_total", "type", "untraced"]
    assert where["type"] == "__main__.Leaky"
    assert where["untraced"] + sum(s["count"] for s in where["sites"]) == 25
    for site in where["sites"]:
        assert keys(site) == ["count", "traceback"]
        assert all(keys(f) == ["file", "function", "line", "source"] for f in site["traceback"])
    r = heap_app.client("backrefs", "Leaky", "-f", "refs", "--json", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    back = json.loads(r.stdout)  # stdout is the JSON alone: the client's note is on stderr
    assert r.stderr.startswith("Graph written to refs.")
    assert keys(back) == ["cut", "depth", "file", "nodes", "title"]
    assert back["file"] == "refs" and back["nodes"] >= 4 and back["cut"] is False
