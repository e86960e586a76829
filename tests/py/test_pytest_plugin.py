"""The pytest plugin (issue: hunt): a small test suite of its own, run by a real pytest in a
subprocess, with the plugin found through eww's entry point (nothing but eww installed)."""

import subprocess
import sys
import textwrap

SUITE = '''
import functools
import pytest

registry = []
_cache = {}


class Item:
    def __init__(self, n):
        self.n = n


class Session:
    pass


@pytest.mark.eww_no_leaks
def test_leaks():
    registry.append(Item(len(registry)))


@pytest.mark.eww_no_leaks
def test_clean():
    items = [Item(i) for i in range(100)]
    assert len(items) == 100


@functools.lru_cache(maxsize=None)
def settings(name):
    return {"name": name, "values": [Session() for _ in range(10)]}


@pytest.mark.eww_no_leaks
def test_cache_warmed_in_the_first_run():
    _cache.setdefault("config", [Session() for _ in range(50)])
    assert settings("default")["name"] == "default"


@pytest.mark.eww_no_leaks(allow=["test_sample.Item"])
def test_allowed_cache():
    registry.append(Item(-1))


def test_unmarked_leak():
    registry.append(Item(-2))


@pytest.mark.eww_no_leaks(runs=4, warmup=1)
def test_fixture_values_are_kept(tmp_path):
    assert tmp_path.exists()
'''


def run_suite(tmp_path, *args):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SUITE))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA",
                           "test_sample.py", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)


def outcomes(stdout):
    result = {}
    for line in stdout.splitlines():
        for word in ("PASSED", "FAILED"):
            if line.startswith(word + " "):
                result[line.split()[1].split("::")[1]] = word
    return result


def test_the_marker(tmp_path):
    r = run_suite(tmp_path)
    got = outcomes(r.stdout)
    assert got == {"test_leaks": "FAILED", "test_clean": "PASSED",
                   "test_cache_warmed_in_the_first_run": "PASSED",
                   "test_allowed_cache": "PASSED", "test_unmarked_leak": "PASSED",
                   "test_fixture_values_are_kept": "PASSED"}, r.stdout + r.stderr
    report = r.stdout.split("test_leaks", 1)[1]
    assert "objects accumulated in each of the last 3 runs" in report
    # the table names the leaked type; the chain names its holder
    assert "test_sample.Item" in report and "+1" in report
    assert "test_sample.Item: module test_sample -> attribute 'registry' -> list index" in report


def test_the_option_checks_every_test(tmp_path):
    r = run_suite(tmp_path, "--eww-leaks", "-k", "unmarked or clean")
    got = outcomes(r.stdout)
    assert got == {"test_unmarked_leak": "FAILED", "test_clean": "PASSED"}, r.stdout + r.stderr
    assert "attribute 'registry'" in r.stdout


def test_the_ini_allow_list(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\neww_leaks_allow =\n    test_sample.Item\n")
    r = run_suite(tmp_path, "-k", "test_leaks")
    assert outcomes(r.stdout) == {"test_leaks": "PASSED"}, r.stdout + r.stderr


def test_a_bad_marker_is_a_usage_error(tmp_path):
    (tmp_path / "test_bad.py").write_text(
        "import pytest\n@pytest.mark.eww_no_leaks(runs=1)\ndef test_x():\n    pass\n")
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_bad.py"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "runs must be an int >= 2" in r.stdout + r.stderr
