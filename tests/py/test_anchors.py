"""The anchors' own test suites, run unedited against eww's drop-in modules.

pympler 1.1's test/ (every module but web, which eww leaves out on purpose) and objgraph
3.7.0's tests.py with its docs' doctests are fetched as sdists from PyPI (once; kept in
build/anchors or $EWW_ANCHORS_DIR), unpacked afresh for each run, and run twice in
subprocesses: against the library itself and with its modules redirected to eww's
(tests/anchors/runner.py). Every test that passes against the library must pass against eww,
but those listed in PENDING (eww does not offer that part yet), and a PENDING test that passes
must leave the list, so the list says exactly what is missing.
"""

import json
import os
import subprocess
import sys
import tarfile

import pytest

from conftest import UNDER_ASAN

# The anchors' suites check names, signatures, formats and numbers, which a sanitizer does not
# change; under ASan with PYTHONMALLOC=malloc the library's own run alone takes over 20 minutes.
# eww's C behind the drop-ins (asizeof's loop, the engine) runs under ASan in test_asizeof and
# test_heap.
pytestmark = pytest.mark.skipif(UNDER_ASAN, reason="API and numbers, not memory safety: "
                                "run in the normal and per-CPython jobs")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUNNER = os.path.join(ROOT, "tests", "anchors", "runner.py")
CACHE = os.environ.get("EWW_ANCHORS_DIR", os.path.join(ROOT, "build", "anchors"))
SDISTS = {"pympler": ("pympler==1.1", "pympler-1.1"),
          "objgraph": ("objgraph==3.7.0", "objgraph-3.7.0")}

# Tests of the parts of the anchors eww does not offer yet, by test id prefix.
PENDING = {
    "pympler": [],
    "objgraph": [],
}


def sdist(suite):
    """The path of the suite's sdist tarball, downloaded once."""
    spec, base = SDISTS[suite]
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, base + ".tar.gz")
    if not os.path.exists(path):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet",
                        "--disable-pip-version-check", "--no-binary", ":all:", "--no-deps",
                        "-d", CACHE, spec], check=True, timeout=300)
    assert os.path.exists(path), os.listdir(CACHE)
    return path


def start_suite(suite, target, tmp_path):
    """Starts the suite against target (real or eww) in a fresh tree; finish() reads it."""
    where = tmp_path / target
    with tarfile.open(sdist(suite)) as tar:
        # the "data" filter (3.12+, and backported to later 3.9-3.11 releases) refuses links
        # and paths that leave the tree; 3.14 makes it the default and 3.12+ warn without it
        if hasattr(tarfile, "data_filter"):
            tar.extractall(where, filter="data")
        else:
            tar.extractall(where)
    out = tmp_path / f"{target}.json"
    proc = subprocess.Popen([sys.executable, RUNNER, suite, target,
                             str(where / SDISTS[suite][1]), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, out


def finish(run):
    """{test id: outcome} of a started run."""
    proc, out = run
    try:
        log, _ = proc.communicate(timeout=1200)
    except subprocess.TimeoutExpired:
        proc.kill()
        log, _ = proc.communicate()
        raise AssertionError("the suite did not finish in 20 minutes:\n" + log[-5000:])
    assert proc.returncode == 0 and out.exists(), log
    return json.loads(out.read_text())


def pending(suite, test_id):
    return any(test_id.startswith(p) or test_id.startswith("unittest.loader._FailedTest." + p)
               for p in PENDING[suite])


@pytest.mark.parametrize("suite", sorted(SDISTS))
def test_every_anchor_test_that_passes_on_the_library_passes_on_eww(suite, tmp_path):
    # Side by side: pympler's own ObjectTracker test alone takes a minute against the library.
    runs = [start_suite(suite, target, tmp_path) for target in ("real", "eww")]
    real, ours = (finish(run) for run in runs)
    passing = sorted(t for t, v in real.items() if v == "pass")
    assert len(passing) >= {"pympler": 100, "objgraph": 50}[suite], real  # the suite ran
    failed = {t: ours.get(t, "not run") for t in passing
              if ours.get(t) != "pass" and not pending(suite, t)}
    assert not failed, "\n\n".join(f"{t}: {v}" for t, v in failed.items())
    done = [t for t, v in ours.items() if v == "pass" and pending(suite, t)]
    assert not done, f"these pass now; take them out of PENDING: {done}"
    counted = [t for t in passing if not pending(suite, t)]
    print(f"{suite}: {len(counted)} of {len(passing)} passing tests run against eww, all pass")
