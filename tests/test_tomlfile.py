"""Every TOML file users write reports syntax errors with file and line, without a traceback."""

import pytest

from cge.cli import main
from cge.errors import InputError
from cge.tomlfile import read_toml


def test_syntax_error_names_file_and_line(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('name = "x"\n\n[model\nsam = "a"\n')
    with pytest.raises(InputError) as info:
        read_toml(f)
    (problem,) = info.value.problems
    assert problem.where.file == str(f)
    assert problem.where.line == 3  # the unclosed table header


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="experiment file not found"):
        read_toml(tmp_path / "nope.toml", "experiment file")


@pytest.mark.parametrize("command", [["run"], ["dynamic"], ["plan"]])
def test_cli_reports_bad_toml_cleanly(tmp_path, capsys, command):
    f = tmp_path / "bad.toml"
    f.write_text("a = = 1\n")
    assert main([*command, str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}:1" in err and "Traceback" not in err
