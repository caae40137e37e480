r"""Capital stocks: steady-state calibration, allocation of investment, accumulation.

The stock ``K[r,i]`` is measured in base-year investment goods (model units, e.g. bln RUB of
2021). Capital services used in a year are proportional to the stock,
``FFS[r,cap,i] = rho_r K[r,i]``, where ``rho_r`` (services per unit of stock, the gross rate of
return at base-year prices) comes from the benchmark as a steady state growing at ``g``:

.. math::

    K^0_r = \frac{I^0_r}{g + \delta_r}, \qquad \rho_r = \frac{\sum_i FFS^0_{ri}}{K^0_r},
    \qquad K^0_{ri} = FFS^0_{ri} / \rho_r

(the benchmark rental price is one in every sector, so the benchmark stock is spread like
capital income). Each year, real investment of the region (investment goods at base-year
prices, ``I_r = sum_c pq^0_{rc} Xv_{rc}``) goes to its sectors in proportion to their stock,
tilted towards sectors with a higher rental price ``pf`` than the regional average:

.. math::

    s_{ri} = \frac{K_{ri} (pf_{ri}/\bar{pf}_r)^{\theta}}
                  {\sum_j K_{rj} (pf_{rj}/\bar{pf}_r)^{\theta}},
    \qquad \bar{pf}_r = \frac{\sum_j K_{rj} pf_{rj}}{\sum_j K_{rj}}

``theta`` is the investment elasticity (0: shares follow the stock; large: investment chases
returns). The stock then accumulates, with capital added by projects starting operation:

.. math:: K_{r,i,t+1} = (1 - \delta_r) K_{rit} + s_{rit} I_{rt} + P_{ri,t+1}

On a balanced growth path all ``pf`` stay at their benchmark, ``s`` equals the stock shares and
every ``K`` grows at exactly ``g``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cge.errors import CGEError

Key = tuple[str, str]  # (region, sector)


@dataclass(frozen=True)
class CapitalCalibration:
    """Benchmark stock and services per unit of stock by region."""

    stock: dict[Key, float]
    services_per_unit: dict[str, float]


def steady_state(services: Mapping[Key, float], investment: Mapping[str, float], growth: float,
                 delta: Callable[[str], float]) -> CapitalCalibration:
    """Benchmark capital stock from capital services and real investment (see module)."""
    rho, stock = {}, {}
    for r, inv in investment.items():
        if growth + delta(r) <= 0 or inv <= 0:
            raise CGEError(f"region {r}: a steady-state capital stock needs investment > 0 and "
                           f"growth + depreciation > 0 (investment {inv:g}, growth {growth:g}, "
                           f"depreciation {delta(r):g})")
        k0 = inv / (growth + delta(r))
        rho[r] = sum(v for (rr, _), v in services.items() if rr == r) / k0
    for (r, i), v in services.items():
        stock[(r, i)] = v / rho[r]
    return CapitalCalibration(stock, rho)


def allocate(stock: Mapping[Key, float], rental: Mapping[Key, float],
             investment: Mapping[str, float], theta: float) -> dict[Key, float]:
    """Investment by sector: ``s_ri I_r`` with the return-tilted stock shares ``s``."""
    out: dict[Key, float] = {}
    for r, inv in investment.items():
        keys = [k for k in stock if k[0] == r]
        total = sum(stock[k] for k in keys)
        avg = sum(stock[k] * rental[k] for k in keys) / total
        weight = {k: stock[k] * (rental[k] / avg) ** theta for k in keys}
        norm = sum(weight.values())
        for k in keys:
            out[k] = inv * weight[k] / norm
    return out


def accumulate(stock: Mapping[Key, float], investment: Mapping[Key, float],
               added: Mapping[Key, float], delta: Callable[[str], float]) -> dict[Key, float]:
    """Next year's stock: ``(1 - delta) K + I + P``."""
    return {k: (1.0 - delta(k[0])) * v + investment.get(k, 0.0) + added.get(k, 0.0)
            for k, v in stock.items()}
