"""imcap: medical imaging capacity — registry, indicators, access, siting, planning, impact.

The public Python API is what ``__all__`` lists (guarded by tests/unit/test_exported_members.py);
everything else is private and may change.
"""

from imcap.errors import (
    ConflictError,
    ImcapError,
    NotFoundError,
    ParameterError,
    PermissionDenied,
    UserError,
    ValidationError,
    ValidationReport,
)
from imcap.store.db import Database

__version__ = "0.1.0"

__all__ = [
    "ConflictError",
    "Database",
    "ImcapError",
    "NotFoundError",
    "ParameterError",
    "PermissionDenied",
    "UserError",
    "ValidationError",
    "ValidationReport",
    "__version__",
]
