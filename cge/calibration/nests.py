"""Nesting trees as data: which inputs each activity (or household) combines, and how.

A nest file (TOML) holds rules; each rule names a region and a sector (``*`` as a wildcard, the
most specific rule winning, as in the elasticity file), a ``source`` and a tree of named nodes::

    [[rule]]
    region = "*"
    sector = "steel"
    source = "KLEM: van der Werf (2008), capital-energy nest inside value added"
    [rule.nodes]
    output = { elasticity = 0, inputs = ["kle", "materials"] }
    kle = { elasticity = "sigma_va", inputs = ["ke", "factor:LAB"] }
    ke = { elasticity = 0.5, inputs = ["factor:CAP", "energy"] }
    energy = { elasticity = 1, inputs = ["commodity:ELEC", "commodity:FUEL"] }
    materials = { elasticity = 0, inputs = ["commodity:*"] }

Each node is a CES aggregate of its inputs with the given elasticity (0 = fixed proportions,
1 = Cobb-Douglas), a number or the name of an elasticity-file parameter (``sigma_va``) resolved
for the activity's region and sector. Inputs are other nodes, ``factor:NAME``,
``commodity:NAME``, or ``factor:*`` / ``commodity:*`` for every factor / commodity not named
elsewhere in the tree. The root, the node no other node uses, is the activity's output ``Z``.

For each activity the tree is instantiated with the inputs the SAM shows (:func:`instantiate`):
leaves without a benchmark flow are dropped, and so are nests left empty. Without a file every
activity has :data:`DEFAULT_TREE`, the structure the model had before trees were data.

Household demand trees (:data:`HOUSEHOLD`, read with ``read_nests(path, HOUSEHOLD)``) have the
same format with ``household`` in place of ``sector`` and only ``commodity:`` leaves; the root
is the household's utility (:mod:`cge.calibration.households`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from cge.calibration.elasticities import MAX_ELASTICITY, NESTS
from cge.errors import InputError, Location, Problem
from cge.tomlfile import read_toml

KINDS = ("factor", "commodity")
WILDCARD = "*"


@dataclass(frozen=True)
class TreeKind:
    """What a nest file describes: the key naming its owners and the leaves it may use."""

    key: str  # "sector" (production) or "household" (demand)
    leaves: tuple[str, ...]
    parameters: tuple[str, ...]  # elasticity-file parameters a node may name


PRODUCTION = TreeKind("sector", KINDS, tuple(NESTS))
# the elasticity file is by region and sector: a household's elasticities are numbers
HOUSEHOLD = TreeKind("household", ("commodity",), ())


@dataclass(frozen=True)
class Node:
    """A CES nest: its name, elasticity (a number or an elasticity parameter) and inputs."""

    name: str
    elasticity: float | str
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """A tree for the activities (households) a region/sector (region/household) pattern
    matches."""

    region: str
    owner: str  # a sector or a household label, or '*'
    source: str
    nodes: tuple[Node, ...]
    label: str = ""  # how errors name the rule, e.g. "rule 2 (region *, sector steel)"

    @property
    def root(self) -> str:
        used = {x for n in self.nodes for x in n.inputs}
        return next(n.name for n in self.nodes if n.name not in used)

    def describe(self) -> list[str]:
        """One line per node, root first, children indented under their parent."""
        by_name = {n.name: n for n in self.nodes}

        def lines(name: str, depth: int) -> list[str]:
            node = by_name[name]
            el = node.elasticity if isinstance(node.elasticity, str) else f"{node.elasticity:g}"
            out = [f"{'    ' * depth}{name} (elasticity {el}): {', '.join(node.inputs)}"]
            for x in node.inputs:
                if x in by_name:
                    out += lines(x, depth + 1)
            return out

        return lines(self.root, 0)


@dataclass(frozen=True)
class NestRules:
    """The rules of a nest file; :meth:`rule` resolves the one that applies to an activity."""

    rules: tuple[Rule, ...]
    file: str = "<default>"
    kind: TreeKind = PRODUCTION

    def rule(self, region: str, owner: str) -> Rule:
        by = {(r.region, r.owner): r for r in self.rules}
        for key in ((region, owner), (WILDCARD, owner), (region, WILDCARD),
                    (WILDCARD, WILDCARD)):
            if key in by:
                return by[key]
        raise InputError(Problem("missing-nest", f"no nesting tree for region {region!r}, "
                                 f"{self.kind.key} {owner!r} (and no '*' rule): add a rule",
                                 Location(file=self.file)))

    def check_labels(self, valid: dict[str, list[str]]) -> None:
        """Raise InputError for rules naming a label the model does not have; ``valid`` maps
        ``region``, the owner key and each leaf kind to the model's labels."""
        problems = []
        for rule in self.rules:
            where = Location(file=self.file)
            for dim, label in (("region", rule.region), (self.kind.key, rule.owner)):
                if label != WILDCARD and label not in valid[dim]:
                    problems.append(Problem(f"unknown-{dim}", f"{rule.label}: {dim} {label!r} "
                                            f"is not in the model; valid: {valid[dim]} or '*'",
                                            where))
            for node in rule.nodes:
                for x in node.inputs:
                    kind, _, label = x.partition(":")
                    if kind in self.kind.leaves and label != WILDCARD and label not in valid[kind]:
                        problems.append(Problem(
                            f"unknown-{kind}", f"{rule.label}, node {node.name!r}: {kind} "
                            f"{label!r} is not in the model; valid: {valid[kind]}", where))
        if problems:
            raise InputError(problems)


DEFAULT_TREE = Rule("*", "*", "the model's structure before nests were data: CES value added "
                    "over factors (sigma_va), Leontief intermediates",
                    (Node("output", 0.0, ("va", "commodity:*")),
                     Node("va", "sigma_va", ("factor:*",))), "the default tree")
DEFAULT = NestRules((DEFAULT_TREE,))
DEFAULT_HOUSEHOLD_TREE = Rule("*", "*", "the model's demand before trees were data: one "
                              "Cobb-Douglas nest over supernumerary consumption (Cobb-Douglas, "
                              "or Stone-Geary with household_demand = \"les\")",
                              (Node("utility", 1.0, ("commodity:*",)),), "the default tree")
DEFAULT_HOUSEHOLD = NestRules((DEFAULT_HOUSEHOLD_TREE,), kind=HOUSEHOLD)


def read_nests(path: str | Path, kind: TreeKind = PRODUCTION) -> NestRules:
    """Read and validate a nest file, naming the file, the rule and the node of every error."""
    data = read_toml(path, "nest file")
    file = str(path)
    where = Location(file=file)
    unknown = set(data) - {"rule"}
    if unknown:
        raise InputError(Problem("bad-nests", f"unknown top-level key(s) {sorted(unknown)}; a "
                                 "nest file is a list of [[rule]] tables", where))
    raw = data.get("rule")
    if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
        raise InputError(Problem("bad-nests", "a nest file needs at least one [[rule]] table "
                                 f"with region, {kind.key}, source and [rule.nodes]", where))
    problems: list[Problem] = []
    rules = []
    for k, r in enumerate(raw, 1):
        rule = _rule(r, k, where, problems, kind)
        if rule is not None:
            rules.append(rule)
    seen: dict[tuple[str, str], str] = {}
    for rule in rules:
        key = (rule.region, rule.owner)
        if key in seen:
            problems.append(Problem("duplicate", f"{rule.label} repeats {seen[key]}", where))
        seen[key] = rule.label
    if problems:
        raise InputError(problems)
    return NestRules(tuple(rules), file, kind)


def _rule(raw: dict, k: int, where: Location, problems: list[Problem], kind: TreeKind
          ) -> Rule | None:
    region, owner = raw.get("region", WILDCARD), raw.get(kind.key, WILDCARD)
    label = f"rule {k} (region {region}, {kind.key} {owner})"
    n0 = len(problems)

    def bad(msg: str) -> None:
        problems.append(Problem("bad-nests", f"{label}: {msg}", where))

    unknown = set(raw) - {"region", kind.key, "source", "nodes"}
    if unknown:
        bad(f"unknown key(s) {sorted(unknown)}; use region, {kind.key}, source and nodes")
    for key, value in (("region", region), (kind.key, owner)):
        if not isinstance(value, str) or not value.strip():
            bad(f"{key} must be a label or '*', got {value!r}")
    source = raw.get("source", "")
    if not isinstance(source, str) or not source.strip():
        bad("every tree needs a source or a stated reason (source = \"...\")")
    table = raw.get("nodes")
    if not isinstance(table, dict) or not table:
        bad("needs a table of nodes ([rule.nodes], each node = { elasticity = ..., "
            "inputs = [...] })")
        return None
    nodes = []
    for name, spec in table.items():
        node = _node(name, spec, kind, lambda msg, name=name: bad(f"node {name!r}: {msg}"))
        if node is not None:
            nodes.append(node)
    if len(problems) > n0:
        return None
    names = {n.name for n in nodes}
    uses: dict[str, list[str]] = {}
    for node in nodes:
        for x in node.inputs:
            uses.setdefault(x, []).append(node.name)
            leaf = x.partition(":")[0]
            if x.count(":") == 1 and leaf in kind.leaves and x.partition(":")[2]:
                continue
            if x not in names:
                leaves = ", ".join(f"{k}:NAME, {k}:*" for k in kind.leaves)
                bad(f"node {node.name!r}: unknown input {x!r}; inputs are nodes of the tree "
                    f"({sorted(names)}), {leaves}")
    for x, users in uses.items():
        if len(users) > 1:
            bad(f"{x!r} is an input of more than one node ({users}); each input has one place "
                "in the tree")
    roots = [n.name for n in nodes if n.name not in uses]
    if len(roots) != 1:
        bad(f"a tree has one root (the node no other node uses), found {roots or 'none'}"
            + ("" if roots else ": the nodes form a cycle"))
    if len(problems) > n0:
        return None
    by_name = {n.name: n for n in nodes}
    reached, stack = set(), [roots[0]]
    while stack:
        name = stack.pop()
        reached.add(name)
        stack += [x for x in by_name[name].inputs if x in by_name and x not in reached]
    if reached != names:
        bad(f"nodes {sorted(names - reached)} form a cycle (none of them leads to the root "
            f"{roots[0]!r})")
        return None
    order = [n for n in nodes if n.name == roots[0]] + [n for n in nodes if n.name != roots[0]]
    return Rule(region, owner, source, tuple(order), label)


def _node(name: str, spec: object, kind: TreeKind, bad) -> Node | None:
    if not isinstance(spec, dict) or set(spec) != {"elasticity", "inputs"}:
        bad(f"write it as {{ elasticity = <number or parameter>, inputs = [...] }}, got {spec!r}")
        return None
    if ":" in name:
        bad("node names cannot contain ':' (it marks factor: and commodity: leaves)")
        return None
    el = spec["elasticity"]
    if isinstance(el, str):
        if el not in kind.parameters:
            bad(f"elasticity {el!r} is not an elasticity-file parameter; give a number"
                + (f" or one of {list(kind.parameters)}" if kind.parameters else ""))
            return None
    elif isinstance(el, bool) or not isinstance(el, int | float) or not math.isfinite(el) \
            or not 0 <= el <= MAX_ELASTICITY:
        bad(f"elasticity {el!r} must be a number from 0 (fixed proportions) to "
            f"{MAX_ELASTICITY:g}, or the name of an elasticity-file parameter")
        return None
    inputs = spec["inputs"]
    if not isinstance(inputs, list) or not inputs or not all(isinstance(x, str) for x in inputs):
        bad(f"inputs must be a nonempty list of names, got {inputs!r}")
        return None
    return Node(name, el if isinstance(el, str) else float(el), tuple(inputs))


@dataclass(frozen=True)
class Nest:
    """A node of one activity's tree: its elasticity resolved, its inputs present."""

    name: str
    sigma: float
    children: tuple[tuple[str, str], ...]  # (kind, label): kind "nest", "factor", "commodity"


def instantiate(rule: Rule, factors: list[str], commodities: list[str], sigma,
                owner: str, file: str = "") -> list[Nest]:
    """The nests of one activity (or household), each after the nests it uses (the root last;
    none if it uses nothing the tree names), for the factors and commodities it uses.

    ``sigma(name)`` resolves an elasticity parameter. Leaves not used are dropped, then nests
    left empty; an input used but without a place in the tree (no wildcard, not named) is an
    error naming the rule and ``owner`` (e.g. "activity VOL:a-steel").
    """
    named = {k: {x.partition(":")[2] for n in rule.nodes for x in n.inputs
                 if x.partition(":")[0] == k} - {WILDCARD} for k in KINDS}
    used = {"factor": factors, "commodity": commodities}
    wild = {k: any(x == f"{k}:{WILDCARD}" for n in rule.nodes for x in n.inputs) for k in KINDS}
    for k in KINDS:
        homeless = [x for x in used[k] if x not in named[k]]
        if homeless and not wild[k]:
            raise InputError(Problem("nest-missing-input", f"{rule.label}: {owner} "
                                     f"uses {k}(s) {homeless}, which have no place in the tree "
                                     f"(name them or add {k}:*)", Location(file=file)))
    by_name = {n.name: n for n in rule.nodes}
    out: dict[str, Nest] = {}

    def build(name: str) -> bool:
        children = []
        for x in by_name[name].inputs:
            kind, _, label = x.partition(":")
            if x in by_name:
                if build(x):
                    children.append(("nest", x))
            elif label == WILDCARD:
                children += [(kind, y) for y in used[kind] if y not in named[kind]]
            elif label in used[kind]:
                children.append((kind, label))
        if not children:
            return False
        el = by_name[name].elasticity
        out[name] = Nest(name, sigma(el) if isinstance(el, str) else el, tuple(children))
        return True

    build(rule.root)
    return list(out.values())  # built bottom-up: every nest after its inputs, the root last
