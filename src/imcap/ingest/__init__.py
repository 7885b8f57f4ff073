"""Importers: reference data, WHO GHO, OECD, generic tables, facility lists, unit inventories.

Each importer validates the whole file first, collecting every problem (file, sheet, row,
column, expected, got) into a :class:`imcap.errors.ValidationReport`; only a clean file is
written, in one transaction.
"""
