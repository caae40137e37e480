"""CES/CET building blocks shared by the production, transformation and trade blocks.

For an aggregate ``A = gamma (sum_k delta_k x_k^rho)^(1/rho)`` with component prices ``p_k`` and
aggregate unit cost (or revenue) ``P``, cost minimisation (CES, rho < 1) or revenue maximisation
(CET, rho > 1) gives

    x_k = (gamma^rho delta_k P / p_k)^(1/(1-rho)) A,

and the Cobb-Douglas limit (rho = 0) is ``A = gamma prod_k x_k^delta_k`` with
``x_k = delta_k P A / p_k``.
"""

from __future__ import annotations

from collections.abc import Sequence


def aggregate(gamma, parts: Sequence[tuple], rho: float):
    """``gamma (sum delta x^rho)^(1/rho)`` for ``parts = [(delta, x), ...]``."""
    if rho == 0.0:
        out = gamma
        for delta, x in parts:
            out = out * x**delta
        return out
    return gamma * sum(delta * x**rho for delta, x in parts) ** (1.0 / rho)


def demand(gamma, delta, price_aggregate, price_part, quantity, rho: float):
    """Demand (or supply) of one component given the aggregate quantity and prices."""
    if rho == 0.0:
        return delta * price_aggregate * quantity / price_part
    return (gamma**rho * delta * price_aggregate / price_part) ** (1.0 / (1.0 - rho)) * quantity
