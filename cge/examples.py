"""Example datasets shipped in the repository's ``sam/`` folder.

>>> from cge import examples
>>> sam = examples.toy_sam()        # 2 regions x 3 sectors, synthetic
>>> world = examples.toy_world_sam()  # the same two regions, no rest of the world
"""

from __future__ import annotations

import os
from pathlib import Path

from cge.errors import InputError
from cge.sam import SAM, read_sam


def data_root() -> Path:
    """The repository root holding ``sam/``, ``calibration/`` and ``experiments/``.

    Looked for in ``$CGE_DATA``, beside the package source (a checkout or editable install),
    then in the current directory.
    """
    candidates = [Path(p) for p in [os.environ.get("CGE_DATA", "")] if p]
    candidates += [Path(__file__).resolve().parents[1], Path.cwd()]
    for c in candidates:
        if (c / "sam").is_dir():
            return c
    raise InputError("cannot find the project's data folders (sam/, calibration/): run from a "
                     "checkout of the repository or set CGE_DATA to its path")


def sam_path(name: str) -> Path:
    return data_root() / "sam" / name


def toy_sam() -> SAM:
    """Synthetic 2-region (NORTH, SOUTH), 3-sector (agr, man, ser) SAM with a rest of world."""
    return read_sam(sam_path("toy2r"))


def toy_world_sam() -> SAM:
    """The toy SAM without a rest of the world: NORTH and SOUTH trade only with each other."""
    return read_sam(sam_path("toy2c"))
