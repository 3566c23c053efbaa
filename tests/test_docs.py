"""Docs are checked against the code: every CLI option and error code is documented, README outputs are current."""

import importlib.util
import re
from pathlib import Path

import pytest

from wirecoder.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_every_cli_option_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name, sub in _subcommands().items():
        assert f"wirecoder {name}" in text, name
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in text, f"{name} {option} is not in docs/cli.md"


def test_every_error_code_is_documented():
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    src = Path(__file__).resolve().parent.parent / "src" / "wirecoder"
    codes = set()
    for path in src.glob("*.py"):
        codes.update(re.findall(r'"(W\d{3})"', path.read_text(encoding="utf-8")))
    assert codes, "no error codes found"
    for code in sorted(codes):
        assert f"| {code} |" in text, f"{code} is not in docs/errors.md"


def _readme_tool():
    spec = importlib.util.spec_from_file_location("readme_outputs", ROOT / "tools" / "readme_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.model
def test_readme_outputs_are_what_the_commands_print(monkeypatch):
    """Each README ```console block that starts `$ wirecoder ...` shows what that command prints now, run on the
    bundled examples. When a format or the coding changes, regenerate the blocks with
    `python tools/readme_outputs.py` and read the diff."""
    tool = _readme_tool()
    monkeypatch.setenv("COLUMNS", "60")  # the tool must not take the width from the environment
    shown = tool.blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert shown, "no example output blocks in README.md"
    for command, output in shown:
        assert tool.run(command) == output, f"README output of `{command}` is stale: run python tools/readme_outputs.py"
