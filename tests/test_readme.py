"""README.md: its Python example runs and its command table lists every CLI command."""

import re
from pathlib import Path

from cge.cli import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_python_examples_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks, "README.md has no python example"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "homogeneity" in out and "1.14499" in out


def test_every_command_is_listed():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    missing = [c for c in commands if f"`cge {c}" not in README]
    assert not missing, f"commands missing from the README's command table: {missing}"
