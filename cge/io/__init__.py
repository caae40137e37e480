"""Input-output analysis on the framework's SAMs (Leontief, Ghosh, Miller and Blair 2009).

>>> from cge import examples, io
>>> table = io.from_sam(examples.toy_sam())        # interregional IO table, origin shares
>>> io.multiplier_table(table)                     # type I and II multipliers by region, sector
>>> io.impact_table(table, dy)                     # effects of a final-demand shock

See :mod:`cge.io.table` for how the interregional flow matrix is built from a SAM and
:mod:`cge.io.analysis` for the formulas.
"""

from cge.io.analysis import (
    backward_linkages,
    closed_coefficients,
    closed_inverse,
    coefficients,
    exogenous_output_impact,
    forward_linkages,
    ghosh_coefficients,
    ghosh_inverse,
    household_closure,
    impact,
    impact_table,
    interregional_supplies,
    leontief_inverse,
    linkages,
    multiplier_table,
    multipliers,
    output_multipliers,
    regional_effects,
    spillover_matrix,
    technical_coefficients,
)
from cge.io.files import read_vector
from cge.io.table import IOTable, from_arrays, from_sam, region_sector_index

__all__ = [
    "IOTable", "from_arrays", "from_sam", "region_sector_index", "read_vector",
    "technical_coefficients", "leontief_inverse", "output_multipliers", "coefficients",
    "multipliers", "ghosh_coefficients", "ghosh_inverse", "backward_linkages",
    "forward_linkages", "linkages", "household_closure", "closed_coefficients",
    "closed_inverse", "multiplier_table", "regional_effects", "spillover_matrix", "impact",
    "impact_table", "exogenous_output_impact", "interregional_supplies",
]
