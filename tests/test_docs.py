"""Reference docs are checked against the code: every CLI option and error code is documented."""

import re
from pathlib import Path

from wirecoder.cli import build_parser

DOCS = Path(__file__).resolve().parent.parent / "docs"


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
