"""The multi-region CGE model: one module per economic block, assembled by build_model."""

from cge.model.build import BLOCKS, build_model

__all__ = ["BLOCKS", "build_model"]
