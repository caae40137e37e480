"""New taxes with a declared revenue recipient (issue 16 item 5; issue 15 item 1).

A tax recycled lump-sum to households (``tax_recipients`` in ``[model]``) is valid where no
government exists. Expected values: a uniform output tax whose revenue returns lump-sum to the
only household of a closed economy with fixed factors (SPLCGE, Hosoe et al. 2010 ch. 5) is a
tax on all income handed back: it changes no real quantity, so EV = 0 and every quantity is at
its benchmark, to the solver's precision (1e-9 relative); a tax on one good distorts, EV < 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cge.errors import InputError
from cge.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[1]

SPL = f"""
name = "spl_lump_sum"
description = "SPLCGE with an output tax recycled lump-sum"
[model]
sam = "{ROOT / 'sam/splcge'}"
elasticities = "{ROOT / 'calibration/stdcge_elasticities.csv'}"
RECIPIENTS
[model.closure]
numeraire = "factor:ECO:LAB"
[[scenario]]
name = "uniform"
description = "20 % tax on the output of both goods"
shocks = [{{ parameter = "tauz", set = 0.2 }}]
[[scenario]]
name = "bread_only"
description = "20 % tax on the output of bread"
shocks = [{{ parameter = "tauz", where = {{ sector = ["BRD"] }}, set = 0.2 }}]
"""


def _write(tmp_path: Path, recipients: str) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(SPL.replace("RECIPIENTS", recipients))
    return path


@pytest.fixture(scope="module")
def recycled(tmp_path_factory):
    path = _write(tmp_path_factory.mktemp("lump"), 'tax_recipients = { tauz = "households" }')
    return run_experiment(path).results


def test_a_uniform_output_tax_recycled_lump_sum_is_neutral(recycled):
    ds = recycled
    assert list(ds["status"].values) == ["benchmark", "ok", "ok"]
    base, s = ds.sel(scenario="benchmark"), ds.sel(scenario="uniform")
    assert float(abs(s["EV"]).max()) < 1e-9
    for name in ("Z", "F", "Xp"):
        assert float(abs(s[name] - base[name]).max()) < 1e-9 * float(abs(base[name]).max())
    # the whole revenue reaches the household
    assert float(s["TLS"].sum()) == pytest.approx(float(s["Tz"].sum()), rel=1e-12)
    assert float(s["TLS"].sum()) > 1.0
    assert float(ds["walras_residual"].max()) < 1e-8


def test_a_tax_on_one_good_distorts(recycled):
    s = recycled.sel(scenario="bread_only")
    assert float(s["EV"].squeeze()) < -1e-3
    assert float(s["TLS"].sum()) == pytest.approx(float(s["Tz"].sel(sector="BRD").sum()), rel=1e-12)


def test_without_a_recipient_the_tax_is_refused_with_the_way_out(tmp_path):
    with pytest.raises(InputError, match=r"tauz\[ECO,BRD\] would have no recipient.*"
                                         r"tax_recipients = \{ tauz = \"households\" \}"):
        run_experiment(_write(tmp_path, ""))


def test_recycling_a_tax_the_sam_records_is_refused(tmp_path):
    text = (ROOT / "experiments/stdcge_tariff.toml").read_text().replace(
        "../", f"{ROOT}/").replace('tariff_accounts = ["TRF"]',
                                   'tariff_accounts = ["TRF"]\ntax_recipients = { tauz = '
                                   '"households" }')
    path = tmp_path / "std.toml"
    path.write_text(text)
    with pytest.raises(InputError, match="sends tauz to households, but the SAM records"):
        run_experiment(path)


@pytest.mark.parametrize(("recipients", "message"), [
    ('tax_recipients = { vat = "households" }', "'vat', which is not a tax rate"),
    ('tax_recipients = { tauz = "firms" }', "choose one of \\['government', 'households'\\]"),
    ('tax_recipients = { tauz = 1 }', "must be a table of tax rate"),
])
def test_bad_recipients_are_named_with_file_and_line(tmp_path, recipients, message):
    with pytest.raises(InputError, match=rf"exp.toml:7.*{message}"):
        run_experiment(_write(tmp_path, recipients))
