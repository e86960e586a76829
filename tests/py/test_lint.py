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
    """Only a snapshot child (snapshot.c's child_main, a copy of the app that must leave
    without atexit or a stdio flush) may call _exit(); nothing may call exit() or abort()."""
    pattern = re.compile(r"(^|[^_\w])(abort|exit|_exit|quick_exit)\s*\(")
    child_exit = re.compile(r"(^|[^_\w])_exit\s*\(")
    offenders = []
    child_exits = 0
    for p in c_files("src/core", "src/ext"):
        in_child = False
        for n, line in enumerate(p.read_text().splitlines(), 1):
            if p.name == "snapshot.c" and line.startswith("static void child_main("):
                in_child = True
            elif in_child and line == "}":
                in_child = False
            code = re.sub(r'"(\\.|[^"\\])*"', '""', line).split("//")[0]  # not in strings
            code = re.sub(r"/\*.*?\*/", "", code)  # nor in comments
            if not pattern.search(code) or code.lstrip().startswith(("*", "/*")):
                continue
            if in_child and child_exit.search(code) and not re.search(
                    r"(^|[^_\w])(abort|exit|quick_exit)\s*\(", code):
                child_exits += 1
                continue
            offenders.append(f"{p.name}:{n}: {line.strip()}")
    assert offenders == []
    assert child_exits > 0  # the exemption is still needed, and still found


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
