"""Study files (TOML): a region, its partners, targets and the instruments to compare.

Format (paths relative to the file; ``experiments/vologda_study.toml`` is the flagship)::

    name = "vologda_study"
    description = "..."
    labels = "../calibration/labels_vologda.csv"   # optional: kind,label,en,ru

    [study]
    region = "VOL"               # the region studied
    partners = ["RUS"]           # default: every other region of the SAM but the world
    country = ["VOL", "RUS"]     # regions of the country for location quotients (default:
                                 # the region and its partners)
    rank_by = "GRP"              # GRP | employment | EV | budget: the ranking per rouble

    [model]                      # exactly as in an experiment file, with [model.closure]
    [solver]                     # optional

    [dynamics]                   # the baseline, exactly as in a dynamic experiment file;
    start = 2021                 # ``end`` is the target year
    end = 2026
    [dynamics.targets]           # the forecast the baseline reproduces (optional)
    GRP_real = { VOL = 0.015, RUS = 0.02 }

    [[target]]                   # what the region wants by the target year
    indicator = "GRP_real"       # GRP_real | employment (labour input, benchmark wages)
    growth = 0.03                # average annual growth from the start year, or
    # change = 10.0              # percent change from the start year to the end

    [[project]]                  # investment projects, as in dynamic files
    ...

    [[instrument]]
    name = "agreement_rus"
    kind = "agreement"           # agreement | project | programme
    description = "..."
    cost = 3.0                   # public money a year, model units (> 0)
    pairs = [["VOL", "RUS"]]     # agreement: both directions of each pair
    commodities = ["ferr"]       # agreement: optional, default all
    margin = 0.75                # agreement: trade margins tmg multiplied by this
    duty = 0.5                   # agreement: duties tb multiplied by this
    projects = ["steel"]         # project: projects in operation
    shocks = [ ... ]             # any kind: further shocks, as in experiment files

    [[combination]]
    name = "agreement_and_steel"
    instruments = ["agreement_rus", "steel"]   # shocks joined, costs added

    [sensitivity]                # optional: intervals from cge.sensitivity
    method = "quadrature"
    level = 0.95
    [[sensitivity.parameter]]    # as in sensitivity files (elasticities)
    name = "sigma_dom"
    scale = true
    distribution = "uniform"
    low = 0.5
    high = 1.5

Step 3 is comparative static: each instrument at full effect in the benchmark year's economy.
A project is its operation phase: its ``capital`` (a stock) adds the capital services it yields
to the sector's specific capital (``FFS``: the stock times the region's services per unit of
stock, from step 2's steady state, as the dynamic model adds it) and its productivity
multiplies ``b``; its construction demand is temporary and left
to ``cge dynamic``. The study writes the experiment, dynamic and sensitivity files it runs into
``inputs/`` of the results folder, where ``cge run``, ``cge dynamic`` and ``cge sensitivity``
reproduce each step on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cge.errors import InputError, Location, Problem
from cge.tomlfile import read_toml

KINDS = ("agreement", "project", "programme")
INDICATORS = ("GRP_real", "employment")
RANKS = ("GRP", "employment", "EV", "budget")
_TOP = {"name", "description", "labels", "study", "model", "solver", "dynamics", "target",
        "project", "instrument", "combination", "sensitivity"}
_DATA = ("sam", "elasticities", "trade_margins", "production_nests", "household_nests")
_INSTRUMENT = {"name", "kind", "description", "cost", "pairs", "commodities", "margin", "duty",
               "projects", "shocks"}


@dataclass(frozen=True)
class Target:
    indicator: str
    region: str
    growth: float  # average annual rate from the start year to ``year``
    year: int

    def factor(self, start: int) -> float:
        """The target level over the start year's."""
        return (1.0 + self.growth) ** (self.year - start)


@dataclass(frozen=True)
class Instrument:
    """An instrument or a combination: shocks (dicts of the experiment format), public cost."""

    name: str
    kind: str  # agreement | project | programme | combination
    description: str
    cost: float
    shocks: tuple[dict, ...]
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Study:
    name: str
    description: str
    file: Path
    data: dict
    region: str
    partners: tuple[str, ...]
    country: tuple[str, ...]
    rank_by: str
    labels: Path | None
    start: int
    end: int
    targets: tuple[Target, ...]
    instruments: tuple[Instrument, ...]
    sensitivity: dict | None

    @property
    def sam(self) -> Path:
        return (self.file.parent / self.data["model"]["sam"]).resolve()

    @property
    def data_files(self) -> tuple[Path, ...]:
        """The data the file names ([model] paths, the label file): what results depend on
        besides the file itself."""
        model = self.data["model"]
        paths = [(self.file.parent / model[k]).resolve() for k in _DATA if
                 isinstance(model.get(k), str)]
        return tuple(paths + ([self.labels] if self.labels else []))


def _bad(msg: str, path: Path, key: str | None = None) -> InputError:
    from cge.tomlfile import key_line

    return InputError(Problem("bad-study", msg, Location(
        file=str(path), line=key_line(path, key) if key else None)))


def _number(raw: dict, key: str, path: Path, what: str) -> float:
    v = raw.get(key)
    if not isinstance(v, int | float) or isinstance(v, bool):
        raise _bad(f"{what}: {key} must be a number, got {v!r}", path, key)
    return float(v)


def _labels_list(raw: object, path: Path, what: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise _bad(f"{what} must be a list of labels, got {raw!r}", path)
    return tuple(raw)


def _targets(raw: list, path: Path, region: str, start: int, end: int) -> tuple[Target, ...]:
    out = []
    for n, t in enumerate(raw, 1):
        what = f"target number {n}"
        unknown = set(t) - {"indicator", "region", "growth", "change", "year"}
        if unknown:
            raise _bad(f"{what}: unknown key(s) {sorted(unknown)}", path)
        if t.get("indicator") not in INDICATORS:
            raise _bad(f"{what}: indicator {t.get('indicator')!r}; choose one of "
                       f"{list(INDICATORS)}", path, "indicator")
        year = int(t.get("year", end))
        if not start < year <= end:
            raise _bad(f"{what}: year {year} must lie in {start + 1}-{end} (the baseline's "
                       "[dynamics] end is the target year)", path, "year")
        if ("growth" in t) == ("change" in t):
            raise _bad(f"{what}: give exactly one of growth (a year) and change (% to the "
                       "year)", path)
        growth = (_number(t, "growth", path, what) if "growth" in t else
                  (1.0 + _number(t, "change", path, what) / 100.0) ** (1.0 / (year - start))
                  - 1.0)
        out.append(Target(t["indicator"], str(t.get("region", region)), growth, year))
    return tuple(out)


def _agreement_shocks(raw: dict, path: Path, what: str) -> list[dict]:
    pairs = raw.get("pairs")
    if not isinstance(pairs, list) or not pairs or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
            for p in pairs):
        raise _bad(f"{what}: pairs must be a list of [region, region], got {pairs!r}", path,
                   "pairs")
    if "margin" not in raw and "duty" not in raw:
        raise _bad(f"{what}: an agreement changes margin or duty (or both)", path)
    sel = {}
    if "commodities" in raw:
        sel["commodity"] = list(_labels_list(raw["commodities"], path, f"{what}: commodities"))
    out = []
    for a, b in pairs:
        for o, d in ((a, b), (b, a)):
            for key, param in (("margin", "tmg"), ("duty", "tb")):
                if key in raw:
                    out.append({"parameter": param, "where": {"origin": [o], "destination": [d],
                                                              **sel},
                                "multiply": _number(raw, key, path, what)})
    return out


def _instruments(data: dict, path: Path, projects: dict, capital: str
                 ) -> tuple[Instrument, ...]:
    out: dict[str, Instrument] = {}
    for n, raw in enumerate(data.get("instrument", []), 1):
        name = raw.get("name")
        what = f"instrument {name!r}" if name else f"instrument number {n}"
        if not isinstance(name, str) or not name or name in out:
            raise _bad(f"{what}: missing or repeated name", path)
        unknown = set(raw) - _INSTRUMENT
        if unknown:
            raise _bad(f"{what}: unknown key(s) {sorted(unknown)}; known: {sorted(_INSTRUMENT)}",
                       path)
        kind = raw.get("kind")
        if kind not in KINDS:
            raise _bad(f"{what}: kind {kind!r}; choose one of {list(KINDS)}", path, "kind")
        cost = _number(raw, "cost", path, what)
        if cost <= 0:
            raise _bad(f"{what}: cost {cost:g} must be positive (effects are per rouble of "
                       "public money)", path, "cost")
        shocks = _agreement_shocks(raw, path, what) if kind == "agreement" else []
        if kind == "project":
            names = _labels_list(raw.get("projects"), path, f"{what}: projects")
            missing = [p for p in names if p not in projects]
            if missing:
                raise _bad(f"{what}: unknown project(s) {missing}; defined: {sorted(projects)}",
                           path, "projects")
            for p in (projects[x] for x in names):
                # a stock (roubles of investment goods): step 3 adds the capital services it
                # yields, stock x services per unit of stock (experiment_toml)
                shocks.append({"parameter": "FFS", "where": {
                    "region": [p.region], "factor": [capital], "sector": [p.sector]},
                    "stock": p.capital})
                if p.productivity:
                    shocks.append({"parameter": "b", "where": {
                        "region": [p.region], "sector": [p.sector]},
                        "multiply": 1.0 + p.productivity})
        extra = raw.get("shocks", [])
        if not isinstance(extra, list) or not all(isinstance(s, dict) for s in extra):
            raise _bad(f"{what}: shocks must be a list of tables", path, "shocks")
        if any("stock" in s for s in extra):
            # 'stock' marks a project's capital, converted to services in experiment_toml
            raise _bad(f"{what}: a shock takes add or multiply; capital stocks come with "
                       "projects = [...]", path, "shocks")
        shocks += extra
        if not shocks:
            raise _bad(f"{what}: no shocks", path)
        out[name] = Instrument(name, kind, str(raw.get("description", "")), cost,
                               tuple(shocks))
    for n, raw in enumerate(data.get("combination", []), 1):
        name = raw.get("name")
        what = f"combination {name!r}" if name else f"combination number {n}"
        if not isinstance(name, str) or not name or name in out:
            raise _bad(f"{what}: missing or repeated name (instruments and combinations "
                       "share names)", path)
        unknown = set(raw) - {"name", "description", "instruments"}
        if unknown:
            raise _bad(f"{what}: unknown key(s) {sorted(unknown)}", path)
        parts = _labels_list(raw.get("instruments"), path, f"{what}: instruments")
        missing = [p for p in parts if p not in out or out[p].kind == "combination"]
        if missing or len(parts) < 2:
            raise _bad(f"{what}: needs two or more instruments defined above; not "
                       f"instruments: {missing}", path, "instruments")
        out[name] = Instrument(
            name, "combination", str(raw.get("description", " + ".join(parts))),
            sum(out[p].cost for p in parts),
            tuple(s for p in parts for s in out[p].shocks), parts)
    if not out:
        raise _bad("no [[instrument]]: a study compares instruments", path)
    return tuple(out.values())


def load_study(path: str | Path) -> Study:
    """Parse a study file (labels are checked against the SAM and the model when run)."""
    from cge.dynamics.projects import parse_projects
    from cge.dynamics.spec import DynamicSpec

    path = Path(path).resolve()
    data = read_toml(path, "study file")
    unknown = set(data) - _TOP
    if unknown:
        raise _bad(f"unknown top-level key(s) {sorted(unknown)}; known: {sorted(_TOP)}", path)
    for table in ("study", "model", "dynamics"):
        if not isinstance(data.get(table), dict):
            raise _bad(f"a study needs a [{table}] table", path)
    st = data["study"]
    unknown = set(st) - {"region", "partners", "country", "rank_by"}
    if unknown:
        raise _bad(f"[study]: unknown key(s) {sorted(unknown)}", path)
    if not isinstance(st.get("region"), str):
        raise _bad("[study] needs region = \"LABEL\", the region studied", path)
    region = st["region"]
    partners = _labels_list(st.get("partners", []), path, "[study] partners")
    country = _labels_list(st.get("country", [region, *partners]), path, "[study] country")
    rank_by = st.get("rank_by", "GRP")
    if rank_by not in RANKS:
        raise _bad(f"[study] rank_by {rank_by!r}; choose one of {list(RANKS)}", path, "rank_by")
    dyn = data["dynamics"]
    try:
        start, end = int(dyn["start"]), int(dyn["end"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad("[dynamics] needs start (the SAM year) and end (the target year)",
                   path) from exc
    capital = str(dyn.get("capital", "cap"))
    years = [int(c["year"]) for p in data.get("project", [])
             for c in (p.get("capex") if isinstance(p.get("capex"), list) else [])
             if isinstance(c, dict) and "year" in c]
    # projects enter step 3 in operation; their capex years may lie beyond the target year
    projects = parse_projects(data.get("project", []), path,
                              DynamicSpec(start=start, end=max([end, *years])))
    labels = data.get("labels")
    if labels is not None:
        labels = (path.parent / labels).resolve()
        if not labels.is_file():
            raise InputError(Problem("missing-file", f"label file {data['labels']!r} not found "
                                     f"(looked for {labels})", Location(file=str(path))))
    sens = data.get("sensitivity")
    if sens is not None and not isinstance(sens, dict):
        raise _bad("[sensitivity] must be a table", path)
    return Study(
        name=str(data.get("name", path.stem)), description=str(data.get("description", "")),
        file=path, data=data, region=region, partners=partners, country=country,
        rank_by=rank_by, labels=labels, start=start, end=end,
        targets=_targets(data.get("target", []), path, region, start, end),
        instruments=_instruments(data, path, projects, capital), sensitivity=sens)


# -- the files each step runs ----------------------------------------------------------------

def _value(v: object) -> str:
    """A TOML value: strings and numbers as JSON writes them (valid TOML), lists, inline
    tables."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, str | int | float):
        return json.dumps(v)
    raise TypeError(f"no TOML form for {v!r}")


def _table(header: str, table: dict) -> str:
    lines = [f"[{header}]"]
    lines += [f"{json.dumps(str(k))} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _model_tables(study: Study) -> str:
    model = dict(study.data["model"])
    for key in _DATA:
        if isinstance(model.get(key), str):
            model[key] = str((study.file.parent / model[key]).resolve())
    text = f"name = {json.dumps(study.name)}\ndescription = {json.dumps(study.description)}\n\n"
    text += _table("model", model)
    if "solver" in study.data:
        text += "\n" + _table("solver", study.data["solver"])
    return text


def _services(shock: dict, services_per_unit: dict[str, float]) -> dict:
    """A project's capital ``stock`` as the capital services ``FFS`` it adds: the stock times
    the region's services per unit of stock of step 2's steady state
    (:mod:`cge.dynamics.capital`), as the dynamic model adds it."""
    if "stock" not in shock:
        return shock
    region = shock["where"]["region"][0]
    out = {k: v for k, v in shock.items() if k != "stock"}
    out["add"] = shock["stock"] * services_per_unit[region]
    return out


def experiment_toml(study: Study, services_per_unit: dict[str, float]) -> str:
    """Step 3's experiment file: one scenario per instrument and combination; a project's
    capital stock enters as the services it yields (``services_per_unit`` by region)."""
    text = "# written by cge study from " + study.file.name + "\n" + _model_tables(study)
    if any("stock" in s for ins in study.instruments for s in ins.shocks):
        text += ("# projects' capital stocks enter FFS as capital services: stock x services "
                 "per unit of stock (step 2's steady state: " + ", ".join(
                     f"{r} {v:.6g}" for r, v in sorted(services_per_unit.items())) + ")\n")
    for ins in study.instruments:
        shocks = [_services(s, services_per_unit) for s in ins.shocks]
        text += "\n[[scenario]]\n" + "\n".join(
            f"{k} = {_value(v)}" for k, v in (("name", ins.name),
                                              ("description", ins.description),
                                              ("shocks", shocks))) + "\n"
    return text


def dynamic_toml(study: Study) -> str:
    """Step 2's dynamic experiment file: the baseline to the target year."""
    dyn = {k: v for k, v in study.data["dynamics"].items() if k != "trend"}
    text = "# written by cge study from " + study.file.name + "\n" + _model_tables(study)
    text += "\n" + _table("dynamics", dyn)
    for tr in study.data["dynamics"].get("trend", []):
        text += "\n" + _table("[dynamics.trend]", tr)
    return text


def sensitivity_toml(study: Study, experiment: str) -> str:
    """The sensitivity file of step 3's experiment (every instrument unless ``scenarios``)."""
    sens = dict(study.sensitivity or {})
    params = sens.pop("parameter", [])
    sens = {"experiment": experiment, "scenarios": [i.name for i in study.instruments],
            "key_results": ["EV", "GRP_real", "employment", "GREV"], **sens}
    text = (f"# written by cge study from {study.file.name}\nname = "
            f"{json.dumps(study.name + '_ssa')}\n\n" + _table("sensitivity", sens))
    for p in params:
        text += "\n" + _table("[sensitivity.parameter]", p)
    return text
