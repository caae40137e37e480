"""Social accounting matrices: data model, input/output, checks, balancing, aggregation."""

from cge.sam.accounts import Kind
from cge.sam.aggregate import aggregate, read_mapping
from cge.sam.balance import BalanceResult, balance
from cge.sam.core import SAM, Account, key
from cge.sam.io import read_sam, write_csv, write_excel
from cge.sam.macro import check_macro, macro_summary
from cge.sam.validate import assert_valid, check

__all__ = ["SAM", "Account", "Kind", "key", "read_sam", "write_csv", "write_excel", "check",
           "assert_valid", "aggregate", "read_mapping", "macro_summary", "check_macro",
           "balance", "BalanceResult"]
