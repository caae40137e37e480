"""CES/CET building blocks shared by the production, transformation and trade blocks.

For an aggregate ``A = gamma (sum_k delta_k x_k^rho)^(1/rho)`` with component prices ``p_k`` and
aggregate unit cost (or revenue) ``P``, cost minimisation (CES, rho < 1) or revenue maximisation
(CET, rho > 1) gives

    x_k = (gamma^rho delta_k P / p_k)^(1/(1-rho)) A,

and the Cobb-Douglas limit (rho = 0) is ``A = gamma prod_k x_k^delta_k`` with
``x_k = delta_k P A / p_k``.

An elasticity of zero is fixed proportions (Leontief inputs, or a fixed split of output for a
CET): ``rho`` is infinite (its limit, -inf for a CES, +inf for a CET), components are
``x_k = delta_k A / gamma`` whatever the prices, and the aggregate's price is the unit cost (or
revenue) of those proportions, ``P = sum_k p_k delta_k / gamma``, since ``min_k x_k /
delta_k`` has no derivative where the components are in proportion. The unit-cost form, not
the value identity ``P A = sum_k p_k x_k`` it implies, is what the model solves: the value
identity's derivative in ``A`` vanishes at the solution (``A`` cancels), which leaves Newton's
method a near-singular Jacobian from a perturbed start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyomo.environ as pyo


def fixed(rho) -> bool:
    """Whether an exponent stands for fixed proportions (elasticity zero)."""
    return math.isinf(pyo.value(rho))


def exponent(sigma, rho: float, transformation: bool = False):
    """The exponent an equation is written with: the calibrated ``rho`` where it is zero or
    infinite (Cobb-Douglas, fixed proportions), else ``(sigma - 1)/sigma`` (CES) or ``(sigma +
    1)/sigma`` (CET) of the elasticity ``sigma``, a Pyomo parameter.

    The form of an equation (fixed proportions, Cobb-Douglas, CES) is chosen from ``rho`` when
    the model is built; within the CES form the elasticity stays a parameter, so a sensitivity
    point changes it by setting a value (:mod:`cge.sensitivity.tasks`). Written as numbers, the
    two are the same floating-point value as the calibration's ``rho``.
    """
    if rho == 0.0 or math.isinf(rho):
        return rho
    return (sigma + 1.0) / sigma if transformation else (sigma - 1.0) / sigma


def technology(quantity, price, gamma, parts: Sequence[tuple], rho):
    """The equation tying an aggregate to its components, ``parts = [(delta, x, p), ...]``.

    ``quantity == aggregate(...)``, or with fixed proportions the unit cost (or revenue)
    ``price == sum p delta / gamma`` (which the aggregate's price solves).
    """
    if fixed(rho):
        return price == sum(p * delta for delta, _, p in parts) / gamma
    return quantity == aggregate(gamma, [(delta, x) for delta, x, _ in parts], rho)


def aggregate(gamma, parts: Sequence[tuple], rho):
    """``gamma (sum delta x^rho)^(1/rho)`` for ``parts = [(delta, x), ...]``."""
    if pyo.value(rho) == 0.0:
        out = gamma
        for delta, x in parts:
            out = out * x**delta
        return out
    return gamma * sum(delta * x**rho for delta, x in parts) ** (1.0 / rho)


def unit_cost(gamma, parts: Sequence[tuple], rho: float):
    """The aggregate's unit cost (or revenue) from its components' prices, ``parts = [(delta,
    p), ...]``: the dual of :func:`technology`, ``(1/gamma) (sum delta^s p^(1-s))^(1/(1-s))``
    with ``s = 1/(1 - rho)``; Cobb-Douglas ``(gamma prod (delta/p)^delta)^(-1/sum delta)``.
    It holds at zero quantities too, where the technology reads 0 = 0: it keeps the price of
    an aggregate that is not made unique (an activity that shut down)."""
    if fixed(rho):
        return sum(p * delta for delta, p in parts) / gamma
    if pyo.value(rho) == 0.0:
        out = gamma
        for delta, p in parts:
            out = out * (delta / p) ** delta
        return out ** (-1.0 / sum(pyo.value(delta) for delta, _ in parts))
    s = 1.0 / (1.0 - rho)
    return sum(delta**s * p ** (1.0 - s) for delta, p in parts) ** (1.0 / (1.0 - s)) / gamma


def demand(gamma, delta, price_aggregate, price_part, quantity, rho):
    """Demand (or supply) of one component given the aggregate quantity and prices."""
    if fixed(rho):
        return delta * quantity / gamma
    if pyo.value(rho) == 0.0:
        return delta * price_aggregate * quantity / price_part
    return (gamma**rho * delta * price_aggregate / price_part) ** (1.0 / (1.0 - rho)) * quantity


def constant_elasticity(quantity, base, ratio, elasticity):
    """The equation ``quantity = base * ratio^elasticity`` (a supply or share responding to a
    relative price), written as the quantity for an elasticity up to one and as the ratio
    ``ratio = (quantity/base)^(1/elasticity)`` above: the power is then at most one, so
    neither a tiny nor a huge elasticity amplifies rounding errors (an elasticity of 1e4 in
    the quantity form turns a 1 % move of the start into a factor of 1e43). ``elasticity`` is
    a Pyomo parameter or a number; the form follows its value when the model is built."""
    if pyo.value(elasticity) <= 1.0:
        return quantity == base * ratio ** elasticity
    return ratio == (quantity / base) ** (1.0 / elasticity)
