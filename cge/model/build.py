"""Assemble the model from its blocks.

Blocks first declare their sets, parameters and variables (all of them, so equations may use
any block's variables), then their equations; the closure is applied last. To add a block,
write a module with ``declare(m, cal)`` and ``equations(m, cal)`` and list it in ``BLOCKS``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.gcpause import gc_paused
from cge.model import (
    capacity,
    closures,
    cooperation,
    enterprises,
    factors,
    federal,
    government,
    households,
    investment,
    make,
    margins,
    markets,
    production,
    projects,
    quotas,
    rest_of_world,
    trade,
    trade_activities,
    transformation,
    world_trade,
)
from cge.model.symbols import grouped

BLOCKS = (production, capacity, make, transformation, trade, trade_activities, world_trade, quotas,
          cooperation, margins, factors, enterprises, households, government, federal, investment, projects,
          rest_of_world, markets, closures)


def build_model(cal: Calibration) -> pyo.ConcreteModel:
    """A square Pyomo model at the benchmark point of the calibration, closure applied."""
    m = pyo.ConcreteModel(name=f"cge[{cal.sam_name}]")
    m.cal = cal
    m.R = cal.regions
    # countries (one, "home", unless configured): currencies, balances of payments, savings pools
    m.COUNTRY = cal.country_of
    # in the order the configuration names them: in a world without a rest of the world the
    # first country's currency is the unit of cross-border flows (closures)
    m.C = list(dict.fromkeys(m.COUNTRY.values()))
    m.REGIONS_OF = grouped([(m.COUNTRY[r], r) for r in m.R], m.C)
    # millions of small objects that all survive: the cyclic collector would revisit them
    # again and again for nothing (cge.gcpause)
    with gc_paused():
        for block in BLOCKS:
            block.declare(m, cal)
        for block in BLOCKS:
            block.equations(m, cal)
        closures.apply(m, cal)
    return m
