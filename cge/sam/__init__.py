"""Social accounting matrices: data model, input/output, checks, balancing, aggregation."""

from cge.sam.accounts import Kind
from cge.sam.core import SAM, Account, key
from cge.sam.io import read_sam, write_csv, write_excel

__all__ = ["SAM", "Account", "Kind", "key", "read_sam", "write_csv", "write_excel"]
