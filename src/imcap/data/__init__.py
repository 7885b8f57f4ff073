"""Bundled data files (see DATA_SOURCES.md). ``path("reference/countries.csv")``."""

from importlib import resources
from pathlib import Path


def path(relative: str) -> Path:
    """Filesystem path of a bundled data file."""
    return Path(str(resources.files("imcap.data").joinpath(relative)))
