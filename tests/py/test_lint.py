"""Cheap lints that guard the architecture (DESIGN.md section 1, STYLE.md)."""

import re
import subprocess
from pathlib import Path

from conftest import CLIENT

ROOT = Path(__file__).resolve().parents[2]


def c_files(*dirs):
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.[ch]"))


def test_core_and_client_never_include_python():
    offenders = [str(p) for p in c_files("src/core", "client")
                 if re.search(r"#\s*include\s*[<\"]Python\.h", p.read_text())]
    assert offenders == []


def test_client_does_not_link_libpython():
    out = subprocess.run(["ldd", CLIENT], capture_output=True, text=True).stdout
    assert "libpython" not in out


def test_nothing_in_the_host_calls_exit_or_abort():
    pattern = re.compile(r"(^|[^_\w])(abort|exit|_exit|quick_exit)\s*\(")
    offenders = []
    for p in c_files("src/core", "src/ext"):
        for n, line in enumerate(p.read_text().splitlines(), 1):
            code = re.sub(r'"(\\.|[^"\\])*"', '""', line).split("//")[0]  # not in strings
            if pattern.search(code) and not code.lstrip().startswith(("*", "/*")):
                offenders.append(f"{p.name}:{n}: {line.strip()}")
    assert offenders == []


def test_gil_ensure_and_release_are_paired_per_function():
    for p in c_files("src/ext"):
        text = p.read_text()
        # split into top-level function bodies
        for m in re.finditer(r"\n(\w[^\n;]*\([^;{]*\))\s*\{(.*?)\n\}", text, re.S):
            body = m.group(2)
            ensures = body.count("PyGILState_Ensure(")
            releases = body.count("PyGILState_Release(")
            assert ensures == releases, f"{p.name}: {m.group(1)}: {ensures} Ensure, " \
                                        f"{releases} Release"


def test_every_c_file_opens_with_a_comment_saying_what_it_does():
    missing = [str(p.relative_to(ROOT)) for p in c_files("src", "client", "tests/c", "tests/fuzz")
               if not p.read_text().lstrip().startswith("/*")]
    assert missing == []


def test_thread_shared_state_says_who_guards_it():
    text = (ROOT / "src/ext/server.c").read_text()
    assert "Locking:" in text and "g.lock" in text
