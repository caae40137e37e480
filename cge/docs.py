"""Model reference documentation generated from the code.

Everything in the reference comes from what the code itself records, so it cannot drift:

* blocks, in assembly order, from :data:`cge.model.build.BLOCKS`, each introduced by its module
  docstring (the block's maths, converted from reStructuredText to Markdown);
* parameters, variables and equations from ``model.symbols`` (dims, unit, description, LaTeX,
  the variable an equation determines);
* sets (the index lists ``m.NAME = [...]`` a block assigns) and the index each symbol is declared
  over, read from the block's source with :mod:`ast`;
* sizes and fixed/active status from one built instance (the toy SAM by default), whose data and
  closure the page names.

:func:`check_model_docs` lists what is missing or inconsistent (undocumented symbols, equations
determining unknown variables, equations the block maths names that do not exist or pair with a
different variable); ``tests/test_docs.py`` runs it and compares ``docs/model.md`` with a fresh
rendering.
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pyomo.environ as pyo

from cge.calibration import calibrate, read_elasticities
from cge.config import ModelConfig
from cge.examples import data_root, sam_path
from cge.model import build_model
from cge.model.build import BLOCKS
from cge.sam import read_sam

DECLARERS = ("var", "param", "equation")
NUMERAIRE = "(numeraire)"
KINDS = (("parameter", "Parameters"), ("variable", "Variables"), ("equation", "Equations"))


@dataclass
class BlockSource:
    """What a block module's source says beyond ``model.symbols``."""

    module: ModuleType
    sets: dict[str, str] = field(default_factory=dict)       # set name -> defining expression
    index_of: dict[str, str] = field(default_factory=dict)   # symbol name -> index expression

    @property
    def name(self) -> str:
        return self.module.BLOCK

    @property
    def path(self) -> str:
        return "cge/model/" + Path(inspect.getfile(self.module)).name


def read_block_source(module: ModuleType) -> BlockSource:
    """Sets assigned as ``m.NAME = ...`` and the index argument of each var/param/equation."""
    src = inspect.getsource(module)
    out = BlockSource(module)
    for node in ast.walk(ast.parse(src)):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(t := node.targets[0], ast.Attribute)
                and isinstance(t.value, ast.Name) and t.value.id == "m"):
            out.sets[t.attr] = ast.get_source_segment(src, node.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in DECLARERS and len(node.args) >= 3
              and isinstance(node.args[1], ast.Constant)):
            index = node.args[2]
            out.index_of[node.args[1].value] = (
                "" if isinstance(index, ast.Constant) and index.value is None
                else ast.get_source_segment(src, index))
    return out


def model_sets(m: pyo.ConcreteModel, src: BlockSource) -> dict[str, list]:
    """The block's index lists as built (assignments of other kinds, e.g. names, are skipped)."""
    return {name: getattr(m, name) for name in src.sets
            if isinstance(getattr(m, name, None), list)}


def build_reference_model(sam: str | Path | None = None, elasticities: str | Path | None = None,
                          experiment: str | Path | None = None) -> tuple[pyo.ConcreteModel, str]:
    """The model instance the reference describes, and a line naming its data and closure.

    Default: the toy SAM with the toy elasticities and the default closure. ``experiment``
    takes SAM, elasticities, margins and closure from an experiment file instead.
    """
    root = data_root()
    if experiment is not None:
        from cge.experiments import load_experiment
        from cge.experiments.runner import calibrate_experiment

        exp = load_experiment(experiment)
        _, cal = calibrate_experiment(exp)
        what = f"experiment `{_rel(exp.file, root)}` (SAM `{cal.sam_name}`)"
    else:
        sam_dir = Path(sam) if sam is not None else sam_path("toy2r")
        el = Path(elasticities) if elasticities is not None else (
            root / "calibration" / "toy_elasticities.csv")
        cal = calibrate(read_sam(sam_dir), read_elasticities(el), ModelConfig())
        what = f"SAM `{_rel(sam_dir, root)}`, elasticities `{_rel(el, root)}`"
    return build_model(cal), f"{what}, closure `{cal.config.closure!r}`"


def _rel(path: Path, root: Path) -> str:
    """Repository-relative paths keep the generated page identical on every machine."""
    path = Path(path).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


# ----------------------------------------------------------------------------- checks
def _docstring_pairings(module: ModuleType) -> list[tuple[str, str]]:
    r"""``(equation, target)`` for every ``\text{eq\_...} \to target`` in the block maths."""
    doc = module.__doc__ or ""
    return [(eq.replace("\\_", "_"), target) for eq, target in
            re.findall(r"\\text\{(eq(?:\\_[A-Za-z0-9]+)+)\}(?:\s*\\to\s*(\\?[A-Za-z^{}]+))?",
                       doc)]


def _target_matches(target: str, var: str, m: pyo.ConcreteModel) -> bool:
    """The maths writes ``py``, ``s^{adj}`` or ``\\varepsilon`` (subscripts are not captured):
    the variable's name or its declared LaTeX."""
    return var in m.symbols and target in (var, m.symbols[var].latex)


def check_model_docs(m: pyo.ConcreteModel) -> list[str]:
    """Problems with the documentation of a built model (empty list: all documented)."""
    problems = []
    dims = set(m.cal.data.coords)
    for s in m.symbols.values():
        missing = [what for what, value in (("description", s.description), ("LaTeX", s.latex),
                                            ("unit", s.unit or s.kind == "equation")) if not value]
        if missing:
            problems.append(f"{s.kind} {s.name} ({s.block}) has no {', '.join(missing)}")
        unknown = [d for d in s.dims if d not in dims]
        if unknown:
            problems.append(f"{s.name} is declared over unknown dims {unknown}")
        if s.kind == "equation":
            det = m.symbols.get(s.determines)
            if s.determines != NUMERAIRE and (det is None or det.kind != "variable"):
                problems.append(f"equation {s.name} determines {s.determines!r}, "
                                "which is not a variable of the model")
    for module in BLOCKS:
        src = read_block_source(module)
        doc = (module.__doc__ or "").replace("\\_", "_")
        for s in m.symbols.values():
            if s.block != src.name:
                continue
            if s.name not in src.index_of:
                problems.append(f"{s.name} is registered by block {s.block} but not declared "
                                f"in {src.path}")
            if s.kind == "equation" and not re.search(rf"\b{s.name}\b", doc):
                problems.append(f"equation {s.name} is not described in the {src.path} "
                                "docstring")
        for eq, target in _docstring_pairings(module):
            s = m.symbols.get(eq)
            if s is None or s.kind != "equation":
                problems.append(f"{src.path} docstring names {eq}, which is not an equation "
                                "of the model")
            elif s.block != src.name:
                problems.append(f"{src.path} docstring names {eq} of block {s.block}")
            elif target and not _target_matches(target, s.determines, m):
                problems.append(f"{src.path} docstring pairs {eq} with {target}, the code with "
                                f"{s.determines}")
        for name, index in src.index_of.items():
            for used in re.findall(r"\bm\.([A-Za-z_]\w*)", index):
                if not isinstance(getattr(m, used, None), list):
                    problems.append(f"{name} in {src.path} is indexed over m.{used}, which is "
                                    "not an index list of the model")
    return problems


# ----------------------------------------------------------------------------- rendering
def rst_to_markdown(text: str) -> str:
    """The subset of reStructuredText the block docstrings use, as GitHub Markdown."""
    lines = inspect.cleandoc(text).splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".. math::"):
            inline = line[len(".. math::"):].strip()
            body = [inline] if inline else []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                body.append(lines[i].strip())
                i += 1
            math = "\n".join(b for b in body if b)
            if "&" in math:
                math = "\\begin{aligned}\n" + math + "\n\\end{aligned}"
            out += ["$$", math, "$$", ""]
            continue
        out.append(line)
        i += 1
    md = "\n".join(out)
    md = re.sub(r":(?:func|class|mod|data|meth|attr):`~?([^`]+)`", r"``\1``", md)
    return re.sub(r"``([^`]+)``", r"`\1`", md).strip()


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _code(text: str) -> str:
    return f"`{text}`" if text else "(scalar)"


def _status(m: pyo.ConcreteModel, s) -> tuple[int, str]:
    """Number of entries and, under the documented closure, how many are fixed or active."""
    comp = getattr(m, s.name)
    entries = list(comp.values())
    n = len(entries)
    if s.kind == "parameter":
        return n, ""
    if s.kind == "variable":
        k = sum(1 for v in entries if v.fixed)
        word = "fixed"
    else:
        k = sum(1 for c in entries if not c.active)
        word = "inactive"
    if n == 0:
        return 0, "empty here"
    if k == 0:
        return n, "endogenous" if s.kind == "variable" else "active"
    return n, word if k == n else f"{k} of {n} {word}"


def _set_description(doc: str, name: str) -> str:
    """The docstring's ``NAME`` = (...) wording, if the block documents the set."""
    found = re.search(rf"``{re.escape(name)}``\s*=\s*(.+?)(?:;|\.\s|\.$)", doc, re.S)
    return " ".join(found.group(1).split()) if found else ""


def _set_meaning(expr: str, m: pyo.ConcreteModel) -> str:
    found = re.fullmatch(r'list\(cal\.nonzero\("(\w+)"\)\)', expr)
    if not found:
        return ""
    name = found.group(1)
    desc = m.cal.data[name].attrs.get("description", "") if name in m.cal.data else ""
    return f"entries where `{name}` is nonzero" + (f" ({desc})" if desc else "")


def determines_cell(s) -> str:
    """An equation's *determines* column: its variable, after ⟂ for a complementarity pair
    (``equation(..., complementary=True)``: the inequality holds, as an equality wherever the
    variable is above its lower bound)."""
    if s.determines == NUMERAIRE:
        return s.determines
    return f"⟂ `{s.determines}`" if s.complementary else f"`{s.determines}`"


def model_reference(m: pyo.ConcreteModel, instance: str) -> str:
    """The reference page (Markdown) of a built model."""
    sources = [read_block_source(b) for b in BLOCKS]
    by_block = {src.name: [s for s in m.symbols.values() if s.block == src.name]
                for src in sources}
    users: dict[str, list[str]] = {}
    for src in sources:
        for name, index in src.index_of.items():
            for used in re.findall(r"\bm\.([A-Za-z_]\w*)", index):
                users.setdefault(used, []).append(name)

    n_eq = sum(1 for c in m.component_data_objects(pyo.Constraint, active=True))
    n_var = sum(1 for v in m.component_data_objects(pyo.Var) if not v.fixed)
    out = [
        "# Model reference",
        "",
        "<!-- Generated by `cge docs model` from the code (cge/docs.py); do not edit by hand. -->",
        "",
        "Generated from the code by `cge docs model --out docs/model.md`: the blocks of "
        "`cge/model/build.py` in the order they are assembled, each with its module docstring "
        "(the maths), its sets, parameters, variables and equations as declared with `var()`, "
        "`param()` and `equation()` (`cge/model/symbols.py`). `tests/test_docs.py` fails if "
        "this page differs from a fresh rendering.",
        "",
        f"Sizes and status describe one instance: {instance}. That instance has {n_eq} active "
        f"equations and {n_var} endogenous variables. *Status* says which variables the "
        "closure fixes and which equations it switches off (`cge/model/closures.py`); "
        "other closures (`cge/config.py`) fix and switch other ones.",
        "",
        "## Contents",
        "",
        "- [Dimensions](#dimensions)",
    ]
    out += [f"- [{k + 1}. {src.name}](#{k + 1}-{src.name.replace('_', '-')})"
            for k, src in enumerate(sources)]
    out += ["- [Index of symbols](#index-of-symbols)", "", "## Dimensions", "",
            "Symbols are declared over these dimensions; labels are those of the instance.", ""]
    out += _table(["dimension", "labels"],
                  [[d, ", ".join(f"`{x}`" for x in m.cal.data.coords[d].values)]
                   for d in m.cal.data.coords])
    summary = [[f"[{src.name}](#{k + 1}-{src.name.replace('_', '-')})",
                len(model_sets(m, src))]
               + [sum(1 for s in by_block[src.name] if s.kind == kind) for kind, _ in KINDS]
               for k, src in enumerate(sources)]
    out += ["Blocks, in assembly order:", ""]
    out += _table(["block", "sets", "parameters", "variables", "equations"], summary)

    for k, src in enumerate(sources):
        doc = src.module.__doc__ or ""
        out += [f"## {k + 1}. {src.name}", "", f"Source: `{src.path}`", "",
                rst_to_markdown(doc), ""]
        # a block may describe structure its data decides (production: the nesting trees)
        if hasattr(src.module, "describe"):
            out += src.module.describe(m)
        sets = model_sets(m, src)
        if sets:
            rows = []
            for name, values in sets.items():
                used_by = users.get(name, [])
                dims = ", ".join(m.symbols[used_by[0]].dims) if used_by else ""
                meaning = _set_description(doc, name) or _set_meaning(src.sets[name], m)
                rows.append([f"`{name}`", dims, len(values), meaning, f"`{src.sets[name]}`",
                             ", ".join(f"`{u}`" for u in used_by)])
            out += ["### Sets", ""]
            out += _table(["set", "dims", "size", "meaning", "definition", "indexes"], rows)
        for kind, title in KINDS:
            syms = [s for s in by_block[src.name] if s.kind == kind]
            if not syms:
                continue
            rows = []
            for s in syms:
                n, status = _status(m, s)
                dims = ", ".join(s.dims) or "(scalar)"
                index = _code(src.index_of.get(s.name, ""))
                if kind == "equation":
                    rows.append([f"`{s.name}`", determines_cell(s), f"${s.latex}$",
                                 s.description, dims, index, n, status])
                else:
                    row = [f"`{s.name}`", f"${s.latex}$", s.description, s.unit, dims, index, n]
                    rows.append(row + ([status] if kind == "variable" else []))
            if kind == "equation":
                header = ["equation", "determines", "LaTeX", "description", "dims", "index",
                          "size", "status"]
            else:
                header = ["name", "LaTeX", "description", "unit", "dims", "index", "size"]
                header += ["status"] if kind == "variable" else []
            out += [f"### {title}", ""] + _table(header, rows)

    out += ["## Index of symbols", ""]
    out += _table(["symbol", "kind", "block", "description"],
                  [[f"`{s.name}`", s.kind, s.block, s.description]
                   for s in sorted(m.symbols.values(), key=lambda s: (s.name.lower(), s.name))])
    return "\n".join(out).rstrip() + "\n"


def write_model_reference(out: str | Path | None = None, **model_args) -> str:
    """Render the reference (see :func:`build_reference_model` for ``model_args``); write it to
    ``out`` if given. Returns the Markdown."""
    m, instance = build_reference_model(**model_args)
    text = model_reference(m, instance)
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return text
