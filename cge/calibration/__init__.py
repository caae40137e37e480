"""Calibration: SAM + elasticities -> parameters (an xarray Dataset)."""

from cge.calibration.calibrate import Calibration, calibrate
from cge.calibration.elasticities import Elasticities, from_records, read_elasticities
from cge.calibration.nests import NestRules, read_nests
from cge.calibration.shares import ces_shares

__all__ = ["Calibration", "calibrate", "ces_shares", "Elasticities", "from_records",
           "read_elasticities", "NestRules", "read_nests"]
