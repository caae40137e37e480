"""Multi-region computable general equilibrium modelling for regional economics."""

__version__ = "0.1.0"
