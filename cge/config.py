"""Model configuration: closures, numeraire and how SAM accounts map to model concepts.

Everything that decides which variables are exogenous lives here, explicitly, so two runs with
the same SAM and elasticities differ only by what this object says. Invalid combinations are
rejected by :meth:`ModelConfig.validate` before a model is built, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

from cge.errors import InputError, Location, Problem
from cge.tomlfile import key_line

if TYPE_CHECKING:  # calibration imports this module
    from cge.calibration.nests import NestRules

NUMERAIRES = ("exchange_rate", "factor", "commodity", "income", "cpi")
HOME = "home"  # the country of a SAM whose regions share one currency
INVESTMENT = ("savings_driven", "investment_driven")
FOREIGN = ("flexible_exchange_rate", "fixed_exchange_rate")
GOVERNMENT = ("savings_rate", "fixed_consumption")
PROJECT_FINANCING = ("spending", "borrowing", "taxes")  # cge.model.projects
#: Tax rates an experiment may shock (government block) and who may receive their revenue.
TAX_INSTRUMENTS = ("tauz", "taum", "tq", "taud", "tb", "te", "tf", "tc")
RECIPIENTS = ("government", "households")
MOBILITY = ("sectors", "specific", "national", "migration")
HOUSEHOLD_DEMAND = ("cobb_douglas", "les")


@dataclass(frozen=True)
class Closure:
    """Which variables are fixed and which market is left to Walras' law.

    numeraire:
        the price that anchors each country's price level, fixed at its benchmark value:
        ``"exchange_rate"`` (the country's exchange rate), ``"factor:REGION:FACTOR"`` (a factor
        price; ``"factor:*:FACTOR"`` is the country's price of the factor: its national market
        if the factor is mobile between regions, else the country's only region),
        ``"commodity:REGION:COMMODITY"`` (a purchaser price), ``"income:REGION:HOUSEHOLD"`` (a
        household's nominal income) or ``"cpi"`` (a consumer price index over the country's
        regions). One string is every country's numeraire; a table ``{COUNTRY = "...", ...}``
        names each country's. Countries without a rest of the world have no world prices to
        fix an exchange rate against: each needs a price of its own (e.g. its CPI or its wage).
    investment:
        ``"savings_driven"``: investment spending equals the savings pool; ``"investment_driven"``:
        real investment is fixed and the households' savings rate adjusts.
    foreign:
        ``"flexible_exchange_rate"``: foreign savings fixed in foreign currency, the exchange rate
        clears the balance of payments; ``"fixed_exchange_rate"``: the exchange rate is fixed at
        its benchmark value and foreign savings adjust (one country only). The fixed rate is a
        policy, not the numeraire: choose ``numeraire = "cpi"`` or ``"factor:REGION:FACTOR"``
        (``"exchange_rate"`` is refused: it would fix the same variable twice, leaving one more
        unknown than equations).
    government:
        ``"savings_rate"``: government saves a fixed share of revenue and spends the rest in fixed
        shares; ``"fixed_consumption"``: real government consumption is fixed, government savings
        adjust.
    factor_mobility:
        factor name -> ``"sectors"`` (mobile between sectors within a region), ``"specific"``
        (fixed in each sector) or ``"national"`` (mobile between sectors and regions). Factors
        not named are mobile between sectors.
        ``"migration"``: mobile between sectors within a region, and its owners move between
        the regions of their country as relative real wages change (``migration``).
    migration:
        factor name -> elasticity of the region's supply of the factor to its real wage
        relative to the country's (e.g. ``{lab = 2.0}`` with ``factor_mobility = {lab =
        "migration"}``); above zero (a fixed regional supply is ``"sectors"``), the larger the
        closer the regions' real wages move together.
    investment_allocation:
        how a country's savings pool is shared between its regions: empty (the default) for
        fixed benchmark shares, or ``{ factor = "cap", elasticity = 2.0 }`` to move each
        region's share with the rate of return on that factor (its income per unit of
        endowment over the price of investment goods) relative to the country's, TERM/MMRF
        style; the larger the elasticity, the more investment chases returns.
    wage_floor:
        factor name -> a floor on its real wage as a share of the benchmark real wage (e.g.
        ``{lab = 0.98}``; factors mobile between sectors, without ``unemployment``): while the
        wage is above the floor the market clears with full employment; where it would fall
        below, the floor binds and unemployment appears (a complementarity pair, solved by
        the MCP solver).
    unemployment:
        factor name -> benchmark unemployment rate (e.g. ``{lab = 0.05}``): the factor's real
        wage is fixed and employment adjusts (factors mobile between sectors only).
    project_financing:
        how a budget pays for the projects it finances (``XvR``, ``XvF``;
        :mod:`cge.model.projects`): ``{ regional = "spending", federal = "spending" }`` (the
        default) cuts the government's consumption and transfers by the project's cost;
        ``"borrowing"`` lowers its savings instead (it borrows from the savings pool, crowding
        out investment); ``federal = "taxes"`` raises every household's direct tax rate by the
        surcharge that pays for the federal projects.
    walras:
        the market whose clearing equation is dropped (``"auto"``: the numeraire factor's market,
        else the balance of payments when foreign savings are fixed, else the first commodity
        market). Given as ``"factor:REGION:FACTOR"``, ``"commodity:REGION:COMMODITY"`` or
        ``"bop"``.
    """

    numeraire: str | Mapping[str, str] = "exchange_rate"
    investment: str = "savings_driven"
    foreign: str = "flexible_exchange_rate"
    government: str = "savings_rate"
    factor_mobility: Mapping[str, str] = field(default_factory=dict)
    unemployment: Mapping[str, float] = field(default_factory=dict)
    migration: Mapping[str, float] = field(default_factory=dict)
    investment_allocation: Mapping[str, object] = field(default_factory=dict)
    wage_floor: Mapping[str, float] = field(default_factory=dict)
    project_financing: Mapping[str, str] = field(default_factory=dict)
    walras: str = "auto"

    def mobility(self, factor: str) -> str:
        return self.factor_mobility.get(factor, "sectors")

    def numeraire_of(self, countries: Sequence[str]) -> dict[str, str]:
        """Each country's numeraire (one string is every country's)."""
        if isinstance(self.numeraire, Mapping):
            return dict(self.numeraire)
        return dict.fromkeys(countries, self.numeraire)


@dataclass(frozen=True)
class ModelConfig:
    """How to read a SAM as a model, plus the closure.

    activity_prefix, commodity_prefix:
        activity ``a-X`` and commodity ``c-X`` accounts are the sector ``X``.
    tariff_accounts:
        names of tax accounts whose receipts from commodity columns are import tariffs; other taxes
        paid by commodity columns are sales taxes on the composite good.
    duty_accounts:
        names of tax accounts whose receipts from commodity columns are duties on shipments
        from other regions or countries (``tb``, collected by the destination), e.g. tariffs
        between two countries of a multi-country SAM. A SAM records a destination's duties on a
        commodity without their origin, so the benchmark rate is the same for every other
        region shipping it there: the duty over the landed value of their shipments.
    household_demand:
        ``"cobb_douglas"`` (fixed budget shares) or ``"les"`` (linear expenditure system:
        needs ``income_el`` by sector and ``frisch`` in the elasticity file).
    countries:
        country -> its regions, for regions that are countries with currencies of their own
        (each country has an exchange rate, a balance of payments and a savings pool); by
        default all regions form one country. In a world without a rest of the world, the
        first country named is the unit of account of cross-border flows (its exchange rate is
        fixed; the other countries' foreign savings ``Sf`` are in its currency).
    scale, units:
        model values are SAM values divided by ``scale``, in ``units`` (e.g. a SAM in mln RUB
        with ``scale = 1000`` and ``units = "bln RUB"``). Keeps the largest values near 1e3-1e5,
        where double precision leaves room for the 1e-8 benchmark residual gate.
    production_nests:
        the nesting tree of each activity (:mod:`cge.calibration.nests`); None: the default
        tree (CES value added over factors, Leontief intermediates). Experiment files name a
        nest file in ``[model]``, read into this field.
    household_nests:
        the demand tree of each household (:mod:`cge.calibration.households`), CES nests over
        supernumerary consumption; None: one Cobb-Douglas nest (with ``household_demand``,
        Cobb-Douglas or Stone-Geary demand).
    tax_recipients:
        tax rate -> who receives its revenue: ``"government"`` (the default: the collecting
        region's government, shared with a federal government as the SAM says) or
        ``"households"`` (lump-sum to the region's households in proportion to their benchmark
        income). A tax recycled to households must be zero in the SAM: it is a new instrument.
    import_quotas:
        ``"REGION:COMMODITY"`` -> ``{ level = L, recipient = "government" | "households" }``: a
        quota on the region's imports of the commodity at L times their benchmark volume
        (L >= 1: the quota does not bind at the benchmark; experiments shock its level
        ``qm``) and who receives its rent (:mod:`cge.model.quotas`, a complementarity pair);
        ``"ORIGIN>DESTINATION:COMMODITY"``: the same on shipments from another region (level
        ``qs``, the rent received in the destination). With ``rent_account = "ACCOUNT"`` the
        quota binds at the benchmark (``level = 1``): the SAM's tax account ACCOUNT records its
        rent on the commodity and pays it to the recipient (``rq`` is calibrated).
    capacity_limits:
        ``"REGION:SECTOR"`` -> ``{ level = L, recipient = "government" | "households" }``: a
        capacity of the activity at L times its benchmark output (L >= 1: the limit does not
        bind at the benchmark; experiments shock its level ``zcap``, public projects raise it)
        and who receives its rent (:mod:`cge.model.capacity`, a complementarity pair).
    trade_activities:
        commodities whose regional origins are perfect substitutes, traded by activities on
        every route into a region, routes the SAM does not ship on included: each runs at zero
        profit or not at all (:mod:`cge.model.trade_activities`, complementarity pairs).
    world_trade_activities:
        commodities traded with the rest of the world by activities at world prices: exports
        and domestic sales perfect substitutes for producers, imports and domestic goods for
        buyers, exports and imports each running at zero profit or not at all
        (:mod:`cge.model.world_trade`, complementarity pairs).
    world_prices:
        ``"REGION:COMMODITY"`` -> ``{ export = p }`` and/or ``{ import = p }``: world prices (per
        unit of the good, domestic benchmark prices being one) of trade routes with the rest of
        the world that the SAM does not record; they run when profitable (commodities of
        ``world_trade_activities`` only).
    on_off_activities:
        sectors whose activities may shut down (zero profit complementary to the activity
        level, :mod:`cge.model.production`), in every region.
    nonnegative_investment:
        gross investment of each country's savings pool is non-negative: a shortfall of private
        savings below the cost of the projects they finance is borrowed abroad
        (:mod:`cge.model.investment`, a complementarity pair). Needs a rest of the world.
    local_content:
        ``"REGION:SECTOR"`` -> the commodities a local-content requirement on that plant covers
        (:mod:`cge.model.cooperation`, a complementarity pair; at most one plant per region).
        The requirement ``lcs`` is zero (none) until a scenario sets it.
    """

    closure: Closure = field(default_factory=Closure)
    activity_prefix: str = "a-"
    commodity_prefix: str = "c-"
    tariff_accounts: tuple[str, ...] = ("tariff",)
    duty_accounts: tuple[str, ...] = ()
    household_demand: str = "cobb_douglas"
    scale: float = 1.0
    units: str = ""
    countries: Mapping[str, Sequence[str]] = field(default_factory=dict)
    production_nests: NestRules | None = None
    household_nests: NestRules | None = None
    tax_recipients: Mapping[str, str] = field(default_factory=dict)
    import_quotas: Mapping[str, Mapping] = field(default_factory=dict)
    capacity_limits: Mapping[str, Mapping] = field(default_factory=dict)
    trade_activities: tuple[str, ...] = ()
    world_trade_activities: tuple[str, ...] = ()
    world_prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    on_off_activities: tuple[str, ...] = ()
    nonnegative_investment: bool = False
    local_content: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def quota_rent_accounts(self) -> tuple[str, ...]:
        """The SAM's tax accounts that record the rents of import quotas binding at the
        benchmark (``import_quotas`` with ``rent_account``): they pay households, not a
        government (:mod:`cge.model.quotas`)."""
        return tuple(q["rent_account"] for q in self.import_quotas.values()
                     if "rent_account" in q)

    def country_of(self, regions: list[str]) -> dict[str, str]:
        """Region -> country; without ``countries`` all regions form one country, ``home``."""
        if not self.countries:
            return {r: HOME for r in regions}
        return {r: c for c, members in self.countries.items() for r in members}

    def validate(self, *, regions: list[str], factors: list[str], rest_of_world: bool = True,
                 where: Location | None = None) -> None:
        """Reject invalid or incomplete closures with a message that says why."""
        c = self.closure
        where = where or Location()
        problems = self.option_problems(where)

        def bad(msg: str) -> None:
            problems.append(Problem("closure", msg, where))

        for f in c.factor_mobility:
            if f not in factors:
                bad(f"closure.factor_mobility names factor {f!r}, which is not in the SAM "
                    f"(factors: {factors})")
        for f, rate in c.unemployment.items():
            if f not in factors:
                bad(f"closure.unemployment names factor {f!r}, which is not in the SAM "
                    f"(factors: {factors})")
            elif c.mobility(f) != "sectors":
                bad(f"closure.unemployment: factor {f!r} must be mobile between sectors of a "
                    f"region (its mobility is {c.mobility(f)!r})")
            if not isinstance(rate, int | float) or not 0 < rate < 1:
                bad(f"closure.unemployment[{f!r}] = {rate!r}: give the benchmark unemployment "
                    "rate, a number in (0, 1) (at zero the unemployed would sit on their bound)")
        for f, level in c.wage_floor.items():
            if f not in factors:
                bad(f"closure.wage_floor names factor {f!r}, which is not in the SAM "
                    f"(factors: {factors})")
            elif c.mobility(f) != "sectors" or f in c.unemployment:
                bad(f"closure.wage_floor: factor {f!r} must be mobile between sectors of a "
                    "region and have no fixed real wage (unemployment)")
            elif not isinstance(level, int | float) or isinstance(level, bool) or not (
                    0 < level <= 1):
                bad(f"closure.wage_floor[{f!r}] = {level!r}: give the floor as a share of the "
                    "benchmark real wage, above 0 and at most 1 (the benchmark has full "
                    "employment)")
        for f in set(c.migration) | {f for f, mob in c.factor_mobility.items()
                                      if mob == "migration"}:
            el = c.migration.get(f)
            if f not in factors:
                bad(f"closure.migration names factor {f!r}, which is not in the SAM "
                    f"(factors: {factors})")
            elif c.mobility(f) != "migration":
                bad(f"closure.migration gives factor {f!r} an elasticity, but its mobility is "
                    f"{c.mobility(f)!r}: set factor_mobility = {{ {f} = \"migration\" }}")
            elif el is None or not isinstance(el, int | float) or not 0 < el <= 1e6:
                bad(f"factor {f!r} migrates: give closure.migration[{f!r}], the elasticity of "
                    f"regional supply to the relative real wage, above 0 and at most 1e6 (got "
                    f"{el!r}; a fixed regional supply is factor_mobility = \"sectors\")")
        alloc = c.investment_allocation
        if alloc:
            el, f = alloc.get("elasticity"), alloc.get("factor")
            if set(alloc) != {"factor", "elasticity"}:
                bad("closure.investment_allocation: give exactly factor (the capital factor "
                    "whose return investment follows) and elasticity, e.g. "
                    "{ factor = \"cap\", elasticity = 2.0 }")
            elif f not in factors:
                bad(f"closure.investment_allocation names factor {f!r}, which is not in the "
                    f"SAM (factors: {factors})")
            elif c.mobility(f) == "national":
                bad(f"closure.investment_allocation: factor {f!r} earns one national price, so "
                    "returns do not differ between regions; choose a factor with regional "
                    "prices")
            elif not isinstance(el, int | float) or isinstance(el, bool) or not 0 < el <= 1e6:
                bad(f"closure.investment_allocation: elasticity = {el!r}; give a number above "
                    "0 and at most 1e6 (fixed shares: leave investment_allocation out)")
            elif c.investment != "savings_driven":
                bad("closure.investment_allocation allocates the savings pool: it needs "
                    "investment = 'savings_driven'")
        if self.countries:
            listed = [r for members in self.countries.values() for r in members]
            for r in sorted(set(listed) - set(regions)):
                bad(f"countries: region {r!r} is not a model region ({regions})")
            for r in regions:
                if listed.count(r) != 1:
                    bad(f"countries: region {r!r} must belong to exactly one country "
                        f"(found in {listed.count(r)})")
        several = len(self.countries) > 1
        country = self.country_of(regions)
        countries = list(dict.fromkeys(country[r] for r in regions if r in country))
        if isinstance(c.numeraire, Mapping) and set(c.numeraire) != set(countries):
            bad(f"closure.numeraire names countries {sorted(c.numeraire)}; name each country "
                f"of the model once: {countries}")
        for cty, numeraire in c.numeraire_of(countries).items():
            members = [r for r in regions if country.get(r) == cty]
            for msg in _numeraire_problems(c, numeraire, members, factors, several,
                                           rest_of_world):
                bad(f"closure.numeraire = {numeraire!r}"
                    + (f" (country {cty})" if several else "") + f": {msg}")
        if several and c.walras != "auto":
            bad("closure.walras: with several countries each country's balance of payments is "
                "left to Walras' law; leave walras = 'auto'")
        if several and c.investment == "investment_driven":
            bad("closure.investment = 'investment_driven' is for one country (one savings-rate "
                "adjuster); with several countries use 'savings_driven'")
        if several and c.foreign == "fixed_exchange_rate":
            bad("closure.foreign = 'fixed_exchange_rate' is for one country; with several, "
                "fix one country's exchange rate as the numeraire instead")
        if not rest_of_world and c.foreign == "fixed_exchange_rate":
            bad("the SAM has no rest-of-world account: closure.foreign cannot be "
                "'fixed_exchange_rate'")
        if problems:
            raise InputError(problems)

    def option_problems(self, where: Location | None = None) -> list[Problem]:
        """Choices that are invalid whatever the SAM (unknown options, a fixed exchange rate
        as numeraire), each located at the line of its key in ``where.file`` if found."""
        c = self.closure
        where = where or Location()
        problems = []

        def bad(key: str, msg: str) -> None:
            problems.append(Problem("closure", msg, replace(where, line=key_line(where.file,
                                                                                   key))))

        for name, allowed in (("investment", INVESTMENT), ("foreign", FOREIGN),
                              ("government", GOVERNMENT)):
            if getattr(c, name) not in allowed:
                bad(name, f"closure.{name} = {getattr(c, name)!r}; choose one of "
                    f"{list(allowed)}")
        if self.household_demand not in HOUSEHOLD_DEMAND:
            bad("household_demand", f"household_demand = {self.household_demand!r}; choose one "
                f"of {list(HOUSEHOLD_DEMAND)}")
        for f, mob in c.factor_mobility.items():
            if mob not in MOBILITY:
                bad("factor_mobility", f"closure.factor_mobility[{f!r}] = {mob!r}; choose one "
                    f"of {list(MOBILITY)}")
        for level, how in c.project_financing.items():
            if level not in ("regional", "federal"):
                bad("project_financing", f"closure.project_financing names {level!r}; the "
                    "budget levels are 'regional' and 'federal'")
            elif how not in PROJECT_FINANCING or (level, how) == ("regional", "taxes"):
                allowed = [o for o in PROJECT_FINANCING if (level, o) != ("regional", "taxes")]
                bad("project_financing", f"closure.project_financing[{level!r}] = {how!r}; "
                    f"choose one of {allowed}")
        for tax, who in self.tax_recipients.items():
            if tax not in TAX_INSTRUMENTS:
                bad("tax_recipients", f"tax_recipients names {tax!r}, which is not a tax rate "
                    f"of the model; tax rates: {list(TAX_INSTRUMENTS)}")
            elif who not in RECIPIENTS:
                bad("tax_recipients", f"tax_recipients[{tax!r}] = {who!r}; choose one of "
                    f"{list(RECIPIENTS)}")
        for key, quota in self.import_quotas.items():
            level, who = quota.get("level"), quota.get("recipient")
            route = key.split(":")[0].split(">")
            if len(key.split(":")) != 2 or len(route) > 2 or not all(route):
                bad("import_quotas", f"import_quotas key {key!r}: write 'REGION:COMMODITY' "
                    "(imports from the rest of the world) or 'ORIGIN>DESTINATION:COMMODITY' "
                    "(shipments from another region)")
            elif not {"level", "recipient"} <= set(quota) <= {"level", "recipient",
                                                             "rent_account"}:
                bad("import_quotas", f"import_quotas[{key!r}]: give level (the quota in units "
                    "of benchmark imports), recipient (who receives the rent) and optionally "
                    "rent_account (the SAM's account of a rent at the benchmark)")
            elif (not isinstance(level, int | float) or isinstance(level, bool)
                  or not 1 <= level < float("inf")
                  or ("rent_account" in quota and level != 1)):
                bad("import_quotas", f"import_quotas[{key!r}].level = {level!r}: give a number "
                    ">= 1 (the quota cannot be below the benchmark imports the SAM fixes; a "
                    "scenario tightens it by shocking qm), and 1 with a rent_account (a rent at "
                    "the benchmark: the quota binds)")
            elif who not in RECIPIENTS:
                bad("import_quotas", f"import_quotas[{key!r}].recipient = {who!r}; choose one "
                    f"of {list(RECIPIENTS)}")
        for key, limit in self.capacity_limits.items():
            level = limit.get("level")
            if len(key.split(":")) != 2 or not all(key.split(":")):
                bad("capacity_limits", f"capacity_limits key {key!r}: write 'REGION:SECTOR' "
                    "(the activity with the limit)")
            elif set(limit) != {"level", "recipient"}:
                bad("capacity_limits", f"capacity_limits[{key!r}]: give level (the capacity in "
                    "units of benchmark output) and recipient (who receives the rent)")
            elif (not isinstance(level, int | float) or isinstance(level, bool)
                  or not 1 <= level < float("inf")):
                bad("capacity_limits", f"capacity_limits[{key!r}].level = {level!r}: give a "
                    "number >= 1 (the capacity cannot be below the benchmark output the SAM "
                    "fixes; a scenario tightens it by shocking zcap)")
            elif limit["recipient"] not in RECIPIENTS:
                bad("capacity_limits", f"capacity_limits[{key!r}].recipient = "
                    f"{limit['recipient']!r}; choose one of {list(RECIPIENTS)}")
        for key in self.local_content:
            if len(key.split(":")) != 2 or not all(key.split(":")):
                bad("local_content", f"local_content key {key!r}: write 'REGION:SECTOR' (the "
                    "plant under the requirement)")
        kinds = [n.split(":")[0] for n in c.numeraire_of([HOME]).values()]
        for numeraire, kind in zip(c.numeraire_of([HOME]).values(), kinds, strict=True):
            if kind not in NUMERAIRES:
                bad("numeraire", f"closure.numeraire = {numeraire!r}; choose 'exchange_rate', "
                    "'cpi', 'factor:REGION:FACTOR', 'commodity:REGION:COMMODITY' or "
                    "'income:REGION:HOUSEHOLD'")
            elif kind != "cpi" and kind != "exchange_rate" and len(numeraire.split(":")) != 3:
                bad("numeraire", f"closure.numeraire = {numeraire!r}; write it as "
                    f"'{kind}:REGION:{'FACTOR' if kind == 'factor' else kind.upper()}'")
        if c.foreign == "fixed_exchange_rate" and "exchange_rate" in kinds:
            bad("foreign", "with a fixed exchange rate, foreign savings adjust and the exchange "
                "rate no longer pins the price level on its own: choose numeraire = 'cpi' or "
                "'factor:REGION:FACTOR' (both nominal anchors are scaled together in the "
                "homogeneity gate)")
        return problems


def config_from_dict(data: Mapping, *, where: Location | None = None) -> ModelConfig:
    """Build a ModelConfig from a parsed TOML/dict, naming unknown keys."""
    where = where or Location()
    data = dict(data)
    closure = dict(data.pop("closure", {}))
    problems = []
    known_c = {f.name for f in fields(Closure)}
    # a nest file is a path, read by the experiment file's reader (relative to that file)
    known_m = {f.name for f in fields(ModelConfig)} - {"closure", "production_nests",
                                                        "household_nests"}
    for k in set(closure) - known_c:
        problems.append(Problem("config", f"unknown closure option {k!r}; known: "
                                f"{sorted(known_c)}", where))
    for k in set(data) - known_m:
        problems.append(Problem("config", f"unknown model option {k!r}; known: "
                                f"{sorted(known_m)}", where))
    for name, value in [*((f"closure.{k}", v) for k, v in closure.items() if k in known_c),
                        *((k, v) for k, v in data.items() if k in known_m)]:
        expected = _TYPES[name.removeprefix("closure.")]
        if not _has_type(value, expected):
            line = key_line(where.file, name.split(".")[-1])
            problems.append(Problem("config", f"{name} = {value!r} must be {expected}",
                                    replace(where, line=line)))
    if problems:
        raise InputError(problems)
    for name in ("tariff_accounts", "duty_accounts", "trade_activities",
                 "world_trade_activities", "on_off_activities"):
        if name in data:
            data[name] = tuple(data[name])
    config = replace(ModelConfig(**data), closure=Closure(**closure))
    problems = config.option_problems(where)
    if problems:
        raise InputError(problems)
    return config


#: What each option must be, as the error message says it.
_TYPES = {"numeraire": "a string or a table of country = string", "investment": "a string",
          "foreign": "a string", "government": "a string", "walras": "a string",
          "factor_mobility": "a table of factor = string",
          "unemployment": "a table of factor = number", "activity_prefix": "a string",
          "migration": "a table of factor = number",
          "wage_floor": "a table of factor = number",
          "investment_allocation": "a table with factor and elasticity",
          "project_financing": "a table of budget level = string",
          "commodity_prefix": "a string", "tariff_accounts": "a list of strings",
          "duty_accounts": "a list of strings",
          "household_demand": "a string", "scale": "a positive number", "units": "a string",
          "countries": "a table of country = list of region names",
          "tax_recipients": "a table of tax rate = 'government' or 'households'",
          "import_quotas": "a table of quota = { level, recipient }",
          "capacity_limits": "a table of activity = { level, recipient }",
          "trade_activities": "a list of strings",
          "world_trade_activities": "a list of strings",
          "world_prices": "a table of route = { export, import }",
          "on_off_activities": "a list of strings",
          "nonnegative_investment": "true or false",
          "local_content": "a table of plant = list of commodity names"}


def _has_type(value: object, expected: str) -> bool:
    def number(x: object) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool)

    def strings(x: object) -> bool:
        return isinstance(x, list | tuple) and all(isinstance(v, str) for v in x)

    if expected == "a string":
        return isinstance(value, str)
    if expected == "a string or a table of country = string":
        return isinstance(value, str) or (isinstance(value, Mapping) and bool(value) and all(
            isinstance(v, str) for v in value.values()))
    if expected == "a positive number":
        return number(value) and 0 < value < float("inf")
    if expected == "a list of strings":
        return strings(value)
    if expected == "true or false":
        return isinstance(value, bool)
    if not isinstance(value, Mapping):
        return False
    check = {"a table of factor = string": lambda v: isinstance(v, str),
             "a table of factor = number": number,
             "a table of budget level = string": lambda v: isinstance(v, str),
             "a table with factor and elasticity": lambda v: isinstance(v, str) or number(v),
             "a table of country = list of region names": strings,
             "a table of tax rate = 'government' or 'households'": lambda v: isinstance(v, str),
             "a table of quota = { level, recipient }":
                 lambda v: isinstance(v, Mapping),
             "a table of activity = { level, recipient }": lambda v: isinstance(v, Mapping),
             "a table of plant = list of commodity names": lambda v: strings(v) and bool(v),
             "a table of route = { export, import }": lambda v: isinstance(v, Mapping) and bool(
                 v) and set(v) <= {"export", "import"} and all(
                 number(x) and 0 < x < float("inf") for x in v.values()),
             }[expected]
    return all(check(v) for v in value.values())


def _numeraire_problems(c: Closure, numeraire: str, members: list[str], factors: list[str],
                        several: bool, rest_of_world: bool) -> list[str]:
    """Why ``numeraire`` cannot anchor the price level of a country with regions ``members``
    (empty: it can). Commodities and households are checked when the model is built."""
    kind, *rest = numeraire.split(":")
    if kind == "exchange_rate" and not rest_of_world:
        return ["countries trading only with each other have no world prices to tie an "
                "exchange rate to (the first country's currency is the unit of their trade): "
                "anchor each country with a price of its own, e.g. 'cpi' or "
                "'factor:*:FACTOR'" if several else
                "the SAM has no rest-of-world account, so there is no exchange rate to fix: "
                "choose 'cpi', 'factor:REGION:FACTOR', 'commodity:REGION:COMMODITY' or "
                "'income:REGION:HOUSEHOLD'"]
    if kind not in ("factor", "commodity", "income") or len(rest) != 2:
        return []
    r, label = rest
    if kind == "factor":
        if label not in factors:
            return [f"factor {label!r} is not in the SAM (factors: {factors})"]
        mobility = c.mobility(label)
        if mobility == "specific":
            return [f"factor {label!r} is sector-specific and has no single price; choose a "
                    "mobile factor, the exchange rate or the CPI"]
        if mobility == "national":
            return [] if r == "*" else [f"factor {label!r} is mobile between regions, so its "
                                        f"price is national: write 'factor:*:{label}'"]
        if r == "*":
            return [] if len(members) == 1 else [
                f"factor {label!r} has a price in each region of the country ({members}): "
                f"name one, 'factor:REGION:{label}'"]
    if r not in members:
        return [f"region {r!r} is not a region of the country ({members})"]
    return []
