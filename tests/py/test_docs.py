"""The docs are part of the product: they must match what the console and client do."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def console_help(app):
    r = app.client("help")
    assert r.returncode == 0
    return r.stdout


def test_every_command_is_documented_with_its_usage(app):
    commands_md = (ROOT / "docs/commands.md").read_text()
    usages = re.findall(r"^  (\S.*?)\s{2,}\S", console_help(app), re.M)
    assert len(usages) >= 2
    for usage in usages:
        assert f"`{usage}`" in commands_md, f"docs/commands.md lacks `{usage}`"


def test_help_of_each_command_matches_the_docs(app):
    commands_md = (ROOT / "docs/commands.md").read_text()
    for name in re.findall(r"^  (\w+)", console_help(app), re.M):
        r = app.client("help", name)
        usage = r.stdout.splitlines()[0].removeprefix("usage: ")
        assert f"## `{usage}`" in commands_md


def test_protocol_doc_covers_every_frame_type():
    proto_h = (ROOT / "src/core/proto.h").read_text()
    protocol_md = (ROOT / "docs/protocol.md").read_text()
    types = re.findall(r"EWW_FRAME_(\w+) = (\d+),", proto_h)
    assert len(types) >= 12
    for name, number in types:
        assert re.search(rf"\|\s*{number}\s*\|\s*`{name}`", protocol_md), name
    assert str(1 << 20) in protocol_md.replace(",", "")  # the maximum payload


def test_readme_holds_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    assert "pip install . && python -m eww demo" in readme
    assert "bash tests/run" in readme
    ci = (ROOT / ".ci/run").read_text()
    assert "bash tests/run" in ci


def test_client_help_matches_readme_exit_statuses():
    readme = (ROOT / "README.md").read_text()
    for status in ("0", "1", "2"):
        assert re.search(rf"^\|\s*{status}\s*\|", readme, re.M)
