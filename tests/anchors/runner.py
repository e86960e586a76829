"""Runs one anchor's own test suite in this process and writes each test's outcome as JSON.

    python runner.py SUITE TARGET SRCDIR OUT.json

SUITE is pympler or objgraph, SRCDIR the unpacked sdist. TARGET real runs the suite against
the library in SRCDIR; TARGET eww redirects the library's modules to eww's drop-ins first
(an import hook: `pympler.muppy` is `eww.muppy`, `objgraph` is `eww.objgraph`), so the suite
runs unedited against eww. Modules eww does not offer (pympler.util, a test helper; pympler.web,
left out on purpose) stay pympler's own.
"""

import doctest
import importlib
import importlib.abc
import importlib.util
import json
import os
import sys
import unittest

PYMPLER_MODULES = ("asizeof", "charts", "classtracker", "classtracker_stats", "garbagegraph",
                   "mprofile", "muppy", "process", "refbrowser", "refgraph", "summary",
                   "tracker")


class Redirect(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves the anchor's module names to eww's modules of the same name."""

    def __init__(self, names):
        self.names = names  # anchor name -> eww module name

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.names:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(self.names[spec.name])

    def exec_module(self, module):
        pass


def install_redirect(suite):
    if suite == "objgraph":
        names = {"objgraph": "eww.objgraph"}
    else:
        names = {f"pympler.{m}": f"eww.{m}" for m in PYMPLER_MODULES}
    # Attributes of the package (`from pympler import muppy`) are set by the import system
    # once the submodule is imported; eww's module object is shared, which is the point.
    sys.meta_path.insert(0, Redirect(names))


def test_ids(suite, out):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            test_ids(t, out)
        else:
            out.append(t)
    return out


class Recorder(unittest.TextTestResult):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.outcomes = {}

    def _name(self, test):
        return test.id() if not isinstance(test, doctest.DocTestCase) else \
            "doctest:" + os.path.basename(test._dt_test.filename) + ":" + test._dt_test.name

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes[self._name(test)] = "pass"

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes[self._name(test)] = "fail: " + self._exc_info_to_string(err, test)[-3000:]

    def addError(self, test, err):
        super().addError(test, err)
        name = self._name(test) if hasattr(test, "id") else str(test)
        self.outcomes[name] = "error: " + self._exc_info_to_string(err, test)[-3000:]

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes[self._name(test)] = "skip: " + reason

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.outcomes[self._name(test)] = "pass"

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.outcomes[self._name(test)] = "fail: unexpected success"


def load(suite, srcdir):
    sys.path.insert(0, srcdir)
    os.chdir(srcdir)
    if suite == "objgraph":
        tests = importlib.import_module("tests")
        return tests.test_suite()
    loader = unittest.TestLoader()
    testdir = os.path.join(srcdir, "test")  # as pympler's runtest.py: tests are muppy.test_*
    sys.path.insert(0, testdir)
    found = loader.discover(testdir, pattern="test_*.py", top_level_dir=testdir)
    # pympler.web runs a bottle HTTP server inside the app: eww leaves it out on purpose
    # (it contradicts eww's security model), so its tests are not run against either.
    keep = unittest.TestSuite()
    for t in test_ids(found, []):
        if "test_web" not in t.id():
            keep.addTest(t)
    return keep


def main():
    suite, target, srcdir, out = sys.argv[1:4] + [os.path.abspath(sys.argv[4])]
    if target == "eww":
        install_redirect(suite)
    tests = load(suite, os.path.abspath(srcdir))
    with open(os.devnull, "w") as devnull:
        runner = unittest.TextTestRunner(stream=devnull, resultclass=Recorder, verbosity=0)
        result = runner.run(tests)
    with open(out, "w") as f:
        json.dump(result.outcomes, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
