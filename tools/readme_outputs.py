"""Keep the README's example outputs what the commands print today.

Every ``console`` block whose first line is ``$ wirecoder ...`` is an example: the command, then its output.
`python tools/readme_outputs.py` runs each command (in this process, from the repository root, as if into a
file: no terminal and no $COLUMNS, so tables are table.PIPED_WIDTH wide and plain) and rewrites the block with
what it printed, stdout then stderr; `--check` only reports stale blocks. tests/test_docs.py makes the same
comparison. The bundled examples carry their own dates and no command reads the network, so nothing needs
normalising.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n\$ (?P<command>wirecoder [^\n]*)\n(?P<output>.*?)```\n", re.DOTALL)


def blocks(text: str) -> list[tuple[str, str]]:
    """(command, output shown) for every output block of a README text."""
    return [(m["command"], m["output"]) for m in BLOCK.finditer(text)]


def run(command: str) -> str:
    """What `command` prints into a file, stdout then stderr; raises when it fails."""
    from wirecoder import cli

    out, err = io.StringIO(), io.StringIO()
    columns = os.environ.pop("COLUMNS", None)
    cwd = Path.cwd()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli.main(shlex.split(command)[1:])
    finally:
        os.chdir(cwd)
        if columns is not None:
            os.environ["COLUMNS"] = columns
    if status != 0:
        raise RuntimeError(f"`{command}` exited with status {status}:\n{err.getvalue()}")
    return out.getvalue() + err.getvalue()


def rewrite(text: str) -> str:
    """The README text with every output block replaced by what its command prints now."""
    return BLOCK.sub(lambda m: f"```console\n$ {m['command']}\n{run(m['command'])}```\n", text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale blocks, change nothing")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    new = rewrite(text)
    if new == text:
        print(f"{README.name}: {len(blocks(text))} output block(s) up to date", file=sys.stderr)
        return 0
    if args.check:
        print(f"{README.name}: output blocks are stale; run python tools/readme_outputs.py", file=sys.stderr)
        return 1
    README.write_text(new, encoding="utf-8")
    print(f"{README.name}: output blocks rewritten", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
