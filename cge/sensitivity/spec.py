"""Sensitivity files (TOML): which experiment, which scenarios, which uncertain parameters.

Example (``experiments/vologda_trade_ssa.toml``)::

    name = "vologda_trade_ssa"
    description = "how much do the trade-cost results depend on the elasticities?"

    [sensitivity]
    experiment = "vologda_trade.toml"       # relative to this file
    scenarios = ["margins_-50"]             # default: every scenario of the experiment
    method = "quadrature"                   # quadrature | sobol | montecarlo
    samples = 64                            # sobol (a power of two) and montecarlo only
    seed = 1
    level = 0.95                            # coverage of the reported intervals
    key_results = ["EV", "pct_GRP_real"]    # reported in tables and figures

    [[sensitivity.parameter]]               # an elasticity
    name = "sigma_arm"                      # sigma_va | psi_cet | sigma_arm | sigma_dom
    region = "*"                            # a region label or * (default)
    sector = "*"
    scale = true                            # the value multiplies the file's values
    distribution = "uniform"                # uniform | triangular | normal
    low = 0.5
    high = 1.5

    [[sensitivity.parameter]]               # the size of a scenario's shocks
    name = "shock"
    scenario = "margins_-50"
    shocks = [1, 2]                         # which shocks (1-based); default all
    distribution = "triangular"             # the value replaces the shocks' values
    low = 0.3                               # (multiply = 0.5 becomes multiply = x)
    high = 0.7
    mode = 0.5

A normal distribution takes ``mean`` (default: the middle of the bounds) and ``sd`` and is
truncated to ``[low, high]``. Parameters are independent. ``label`` names a parameter in the
results (default ``sigma_arm[*,*]``, ``shock[margins_-50]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cge.calibration.elasticities import PARAMETERS
from cge.errors import InputError, Location, Problem
from cge.experiments.spec import Experiment, load_experiment
from cge.sensitivity.design import DISTRIBUTIONS, METHODS, Distribution
from cge.tomlfile import read_toml

SHOCK = "shock"


@dataclass(frozen=True)
class Parameter:
    """An uncertain parameter: an elasticity (``name`` in the elasticity table) or the size of
    some shocks of a scenario (``name = "shock"``)."""

    name: str
    label: str
    distribution: Distribution
    region: str = "*"
    sector: str = "*"
    scale: bool = False
    scenario: str = ""
    shocks: tuple[int, ...] = ()  # 0-based; empty = all shocks of the scenario

    @property
    def is_shock(self) -> bool:
        return self.name == SHOCK


@dataclass(frozen=True)
class SensitivitySpec:
    name: str
    description: str
    file: Path
    experiment: Experiment
    scenarios: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    method: str = "quadrature"
    samples: int = 0
    seed: int = 0
    level: float = 0.95
    key_results: tuple[str, ...] = ("EV", "pct_GRP_real")


_SECTION_KEYS = {"experiment", "scenarios", "method", "samples", "seed", "level", "key_results",
                 "parameter"}
_PARAM_KEYS = {"name", "label", "region", "sector", "scale", "scenario", "shocks",
               "distribution", "low", "high", "mode", "mean", "sd"}


def _parameter(raw: dict, n: int, exp: Experiment, loc: Location) -> Parameter:
    def bad(msg: str) -> InputError:
        return InputError(Problem("bad-parameter", f"parameter number {n}: {msg}", loc))

    unknown = set(raw) - _PARAM_KEYS
    if unknown:
        raise bad(f"unknown key(s) {sorted(unknown)}; known: {sorted(_PARAM_KEYS)}")
    name = raw.get("name")
    if name != SHOCK and name not in PARAMETERS:
        raise bad(f"name {name!r} is neither an elasticity {sorted(PARAMETERS)} nor 'shock'")
    kind = raw.get("distribution")
    if kind not in DISTRIBUTIONS:
        raise bad(f"distribution {kind!r}; use one of {list(DISTRIBUTIONS)}")
    if "low" not in raw or "high" not in raw:
        raise bad("needs bounds 'low' and 'high'")
    try:
        dist = Distribution(kind, float(raw["low"]), float(raw["high"]), raw.get("mode"),
                            raw.get("mean"), raw.get("sd"))
    except (TypeError, ValueError) as exc:
        raise bad(str(exc)) from exc
    if name == SHOCK:
        scen = {s.name: s for s in exp.scenarios}.get(raw.get("scenario", ""))
        if scen is None:
            raise bad(f"scenario {raw.get('scenario')!r} is not in {exp.file.name}; known: "
                      f"{[s.name for s in exp.scenarios]}")
        picks = raw.get("shocks", [])
        if any(not isinstance(i, int) or not 1 <= i <= len(scen.shocks) for i in picks):
            raise bad(f"shocks {picks} must be numbers 1..{len(scen.shocks)} of scenario "
                      f"{scen.name!r}")
        label = raw.get("label", f"shock[{scen.name}]")
        return Parameter(SHOCK, label, dist, scale=bool(raw.get("scale", False)),
                         scenario=scen.name, shocks=tuple(i - 1 for i in picks))
    if "scenario" in raw or "shocks" in raw:
        raise bad("'scenario' and 'shocks' belong to name = 'shock'")
    if not raw.get("scale", False) and dist.low < 0:
        raise bad(f"an elasticity cannot be negative (low = {dist.low})")
    region, sector = str(raw.get("region", "*")), str(raw.get("sector", "*"))
    return Parameter(name, raw.get("label", f"{name}[{region},{sector}]"), dist, region, sector,
                     bool(raw.get("scale", False)))


def load_sensitivity(path: str | Path) -> SensitivitySpec:
    """Parse a sensitivity file and the experiment it points to; labels are checked later,
    against the calibrated model."""
    path = Path(path).resolve()
    loc = Location(file=str(path))
    data = read_toml(path, "sensitivity file")
    unknown = set(data) - {"name", "description", "sensitivity"}
    if unknown:
        raise InputError(Problem("bad-sensitivity", f"unknown top-level key(s) "
                                 f"{sorted(unknown)}; a sensitivity file has name, description "
                                 "and [sensitivity]", loc))
    sec = dict(data.get("sensitivity", {}))
    unknown = set(sec) - _SECTION_KEYS
    if unknown:
        raise InputError(Problem("bad-sensitivity", f"unknown [sensitivity] key(s) "
                                 f"{sorted(unknown)}; known: {sorted(_SECTION_KEYS)}", loc))
    if "experiment" not in sec:
        raise InputError(Problem("bad-sensitivity", "[sensitivity] needs 'experiment' (an "
                                 "experiment file, relative to this one)", loc))
    exp = load_experiment(path.parent / sec["experiment"])
    known = [s.name for s in exp.scenarios]
    scenarios = tuple(sec.get("scenarios", known))
    missing = [s for s in scenarios if s not in known]
    if missing:
        raise InputError(Problem("unknown-scenario", f"scenario(s) {missing} not in "
                                 f"{exp.file.name}; known: {known}", loc))
    method = sec.get("method", "quadrature")
    if method not in METHODS:
        raise InputError(Problem("bad-sensitivity", f"method {method!r}; use one of "
                                 f"{list(METHODS)}", loc))
    params = tuple(_parameter(raw, n, exp, loc)
                   for n, raw in enumerate(sec.get("parameter", []), 1))
    if not params:
        raise InputError(Problem("bad-sensitivity", "no [[sensitivity.parameter]] given", loc))
    labels = [p.label for p in params]
    if len(set(labels)) != len(labels):
        raise InputError(Problem("bad-sensitivity", f"parameter labels must differ: {labels}; "
                                 "set 'label'", loc))
    level = float(sec.get("level", 0.95))
    if not 0 < level < 1:
        raise InputError(Problem("bad-sensitivity", f"level {level} must be in (0, 1)", loc))
    return SensitivitySpec(
        name=data.get("name", path.stem), description=data.get("description", ""), file=path,
        experiment=exp, scenarios=scenarios, parameters=params, method=method,
        samples=int(sec.get("samples", 0)), seed=int(sec.get("seed", 0)), level=level,
        key_results=tuple(sec.get("key_results", ("EV", "pct_GRP_real"))))
