"""Importers: reference data, WHO GHO, OECD, generic tables, facility lists, unit inventories.

Each importer validates the whole file first, collecting every problem (file, sheet, row,
column, expected, got) into a :class:`imcap.errors.ValidationReport`; only a clean file is
written, in one transaction. Each takes a path, or bytes plus ``filename=`` (web uploads), and
``dry_run=True`` validates and counts what would change without writing. Formats and mapping
files: docs/importing.md.
"""

from imcap.ingest.facilities import import_facilities
from imcap.ingest.gho import import_gho
from imcap.ingest.inventory import import_inventory
from imcap.ingest.oecd import import_oecd
from imcap.ingest.table import import_table
from imcap.ingest.tabular import ColumnMapping, load_mapping

__all__ = [
    "ColumnMapping",
    "import_facilities",
    "import_gho",
    "import_inventory",
    "import_oecd",
    "import_table",
    "load_mapping",
]
