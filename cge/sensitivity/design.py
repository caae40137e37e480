"""Distributions of uncertain parameters and sample designs (quadrature, Sobol, Monte Carlo).

Every design returns the parameter values at the sample points, their weights and the points
in standardised form ``z = (x - mean) / sd`` (what the regression-based sensitivity measures
use).

**Gaussian quadrature (Stroud 1957 degree 3; DeVuyst and Preckel 1997; Arndt 1996; Liu 1997;
the design GEMPACK's SSA uses for independent symmetric parameters).** For ``n`` independent
parameters standardised to mean 0 and variance 1, the ``2n`` equally weighted points
(``k = 1 .. 2n``, ``r = 1 .. floor(n/2)``)

.. math::

    z^{(k)}_{2r-1} = \\sqrt{2} \\cos\\frac{(2r-1) k \\pi}{n}, \\qquad
    z^{(k)}_{2r}   = \\sqrt{2} \\sin\\frac{(2r-1) k \\pi}{n}, \\qquad
    z^{(k)}_{n}    = (-1)^k \\ \\text{(n odd)}, \\qquad w_k = \\frac{1}{2n}

satisfy ``sum_k w_k z_i = 0``, ``sum_k w_k z_i z_j = delta_ij`` and ``sum_k w_k z_i z_j z_l =
0``: they integrate every polynomial of degree <= 3 in ``z`` exactly against any distribution
with those first three moments. Hence for a result linear in the parameters,
``y = a + sum_i b_i x_i``, the weighted mean and variance over the ``2n`` points are the exact
``E[y] = a + sum_i b_i mu_i`` and ``Var[y] = sum_i b_i^2 sigma_i^2`` (variance needs moments
up to degree 2 only, so this also holds for asymmetric distributions such as a skewed
triangular one; the mean of a quadratic result is exact too). With ``x_i = mu_i + sigma_i
z_i`` the points lie within ``mu_i +- sqrt(2) sigma_i``, inside the bounds of every
distribution offered here (checked).

**Sobol' (quasi-Monte Carlo) and Monte Carlo.** ``N`` points ``u`` in the unit cube
(scrambled Sobol' sequence from :mod:`scipy.stats.qmc`, ``N`` a power of two so that its
balance properties hold; or pseudo-random) mapped through each parameter's inverse
distribution function, ``x_i = F_i^{-1}(u_i)``; weights ``1/N``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc

DISTRIBUTIONS = ("uniform", "triangular", "normal")
METHODS = ("quadrature", "sobol", "montecarlo")


@dataclass(frozen=True)
class Distribution:
    """A bounded distribution: uniform or triangular on ``[low, high]``, or a normal with
    ``mean`` and ``sd`` truncated to ``[low, high]``.

    ``mode`` is the peak of a triangular distribution (default: the midpoint); ``mean`` and
    ``sd`` are the parameters of the normal before truncation (default mean: the midpoint).
    """

    kind: str
    low: float
    high: float
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in DISTRIBUTIONS:
            raise ValueError(f"unknown distribution {self.kind!r}; known: {DISTRIBUTIONS}")
        if not self.low < self.high:
            raise ValueError(f"need low < high, got [{self.low}, {self.high}]")
        if self.kind == "triangular" and self.mode is not None and not (
                self.low <= self.mode <= self.high):
            raise ValueError(f"mode {self.mode} is outside [{self.low}, {self.high}]")
        if self.kind == "normal" and (self.sd is None or self.sd <= 0):
            raise ValueError("a normal distribution needs sd > 0")

    def frozen(self) -> stats.rv_continuous:
        """The scipy distribution (mean, variance and inverse CDF come from it)."""
        width = self.high - self.low
        if self.kind == "uniform":
            return stats.uniform(loc=self.low, scale=width)
        if self.kind == "triangular":
            mode = (self.low + self.high) / 2 if self.mode is None else self.mode
            return stats.triang(c=(mode - self.low) / width, loc=self.low, scale=width)
        mean = (self.low + self.high) / 2 if self.mean is None else self.mean
        return stats.truncnorm((self.low - mean) / self.sd, (self.high - mean) / self.sd,
                               loc=mean, scale=self.sd)

    def moments(self) -> tuple[float, float]:
        """Mean and standard deviation."""
        d = self.frozen()
        return float(d.mean()), float(d.std())


@dataclass(frozen=True)
class Design:
    """Sample points of ``n`` parameters.

    ``values`` (samples x n) are parameter values, ``z`` the same points standardised by each
    distribution's mean and sd, ``weights`` sum to one; ``method`` names the design.
    """

    method: str
    values: np.ndarray
    z: np.ndarray
    weights: np.ndarray

    @property
    def size(self) -> int:
        return len(self.weights)


def stroud3(n: int) -> np.ndarray:
    """The ``2n`` standardised points of the Stroud degree-3 design (see module docstring)."""
    if n < 1:
        raise ValueError("need at least one parameter")
    k = np.arange(1, 2 * n + 1)[:, None]
    z = np.empty((2 * n, n))
    for r in range(1, n // 2 + 1):
        angle = (2 * r - 1) * k[:, 0] * np.pi / n
        z[:, 2 * r - 2] = np.sqrt(2.0) * np.cos(angle)
        z[:, 2 * r - 1] = np.sqrt(2.0) * np.sin(angle)
    if n % 2:
        z[:, n - 1] = (-1.0) ** k[:, 0]
    return z


def quadrature(dists: list[Distribution]) -> Design:
    """Stroud degree-3 design: ``2n`` points that reproduce mean and variance of linear results."""
    mom = np.array([d.moments() for d in dists])
    z = stroud3(len(dists))
    x = mom[:, 0] + z * mom[:, 1]
    for i, d in enumerate(dists):
        if x[:, i].min() < d.low - 1e-12 or x[:, i].max() > d.high + 1e-12:
            # cannot happen for the unimodal distributions above; guards future ones
            raise ValueError(f"quadrature point outside [{d.low}, {d.high}] for parameter {i}")
    return Design("quadrature", x, z, np.full(len(z), 1.0 / len(z)))


def sampled(dists: list[Distribution], samples: int, method: str, seed: int = 0) -> Design:
    """Sobol' (scrambled, ``samples`` a power of two) or Monte Carlo design."""
    n = len(dists)
    if method == "sobol":
        if samples < 2 or samples & (samples - 1):
            raise ValueError(f"Sobol' samples must be a power of two (balance properties), "
                             f"got {samples}; try {1 << max(1, (samples - 1).bit_length())}")
        u = qmc.Sobol(d=n, scramble=True, seed=seed).random_base2(int(np.log2(samples)))
    elif method == "montecarlo":
        u = np.random.default_rng(seed).random((samples, n))
    else:
        raise ValueError(f"unknown sampling method {method!r}; known: {METHODS}")
    x = np.column_stack([d.frozen().ppf(u[:, i]) for i, d in enumerate(dists)])
    mom = np.array([d.moments() for d in dists])
    z = (x - mom[:, 0]) / mom[:, 1]
    return Design(method, x, z, np.full(samples, 1.0 / samples))


def make_design(dists: list[Distribution], method: str, samples: int = 0, seed: int = 0
                ) -> Design:
    """Dispatch on ``method``: ``quadrature`` ignores ``samples`` (it has ``2n`` points)."""
    if method == "quadrature":
        return quadrature(dists)
    return sampled(dists, samples, method, seed)
