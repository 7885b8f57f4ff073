"""The one exception tree of imcap.

::

    ImcapError                      any error imcap raises on purpose
    ├── UserError                   the user's input is wrong; CLI exit 1, API 4xx, no traceback
    │   ├── ValidationError         a file or table failed validation; carries a ValidationReport
    │   ├── NotFoundError           a named thing (country, facility, scenario...) does not exist
    │   ├── ConflictError           a stale write (version/ETag mismatch) or a duplicate
    │   ├── PreconditionRequired    an update of a versioned record without If-Match/version
    │   ├── PermissionDenied        the account may not do this
    │   └── ParameterError          a bad option or argument value
    └── (anything else)             a bug; CLI exit 2 with a traceback, API 500

Every user error says what was expected and what arrived. The API renders each of them as one
JSON shape: ``{"error": {"type", "message", "expected", "got", "where", "problems"}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ImcapError(Exception):
    """Base of every error imcap raises on purpose."""


class UserError(ImcapError):
    """The input is wrong. Printed without a traceback; nothing was changed."""

    status_code = 400
    kind = "user_error"

    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        got: Any = None,
        where: str | None = None,
    ) -> None:
        self.message = message
        self.expected = expected
        self.got = got
        self.where = where
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [self.message]
        if self.where:
            parts.append(f"where: {self.where}")
        if self.expected is not None:
            parts.append(f"expected: {self.expected}")
        if self.got is not None:
            parts.append(f"got: {self.got!r}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        got = (
            self.got
            if isinstance(self.got, str | int | float | bool | type(None))
            else repr(self.got)
        )
        return {
            "type": self.kind,
            "message": self.message,
            "expected": self.expected,
            "got": got,
            "where": self.where,
            "problems": [],
        }


class ParameterError(UserError):
    kind = "parameter_error"


class NotFoundError(UserError):
    status_code = 404
    kind = "not_found"


class ConflictError(UserError):
    status_code = 409
    kind = "conflict"


class PreconditionRequired(UserError):
    """An update of a versioned record that names no version (HTTP 428): without it a stale
    editor would overwrite someone else's change silently."""

    status_code = 428
    kind = "precondition_required"


class PermissionDenied(UserError):
    status_code = 403
    kind = "permission_denied"


@dataclass(frozen=True)
class Problem:
    """One problem found in an input: where it is, what was expected and what arrived."""

    file: str
    row: int | None  # 1-based row number as a spreadsheet shows it (header is row 1)
    column: str | None
    expected: str
    got: str
    sheet: str | None = None

    def location(self) -> str:
        bits = [self.file]
        if self.sheet:
            bits.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            bits.append(f"row {self.row}")
        if self.column:
            bits.append(f"column {self.column!r}")
        return ", ".join(bits)

    def __str__(self) -> str:
        return f"{self.location()}: expected {self.expected}, got {self.got}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "expected": self.expected,
            "got": self.got,
        }


@dataclass
class ValidationReport:
    """Every problem found in one input, plus what would be (or was) written."""

    file: str
    kind: str
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(
        self,
        row: int | None,
        column: str | None,
        expected: str,
        got: Any,
        sheet: str | None = None,
    ) -> None:
        self.problems.append(Problem(self.file, row, column, expected, _show(got), sheet=sheet))

    def raise_if_errors(self) -> None:
        if self.problems:
            raise ValidationError(self)

    def summary(self) -> str:
        if self.problems:
            n = len(self.problems)
            return f"{self.file}: {n} problem(s) in {self.rows_read} row(s); nothing written"
        return (
            f"{self.file}: {self.rows_read} row(s) read; {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "ok": self.ok,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "batch_id": self.batch_id,
            "notes": list(self.notes),
            "problems": [p.to_dict() for p in self.problems],
        }


def _show(value: Any) -> str:
    if value is None:
        return "nothing (empty)"
    if isinstance(value, str):
        return repr(value) if value.strip() else "nothing (empty)"
    return repr(value)


class ValidationError(UserError):
    """An input failed validation. ``report`` lists every problem; nothing was written."""

    status_code = 422
    kind = "validation_error"

    def __init__(self, report: ValidationReport, limit: int = 20) -> None:
        self.report = report
        lines = [str(p) for p in report.problems[:limit]]
        more = len(report.problems) - limit
        if more > 0:
            lines.append(f"... and {more} more")
        super().__init__(
            f"{report.file}: {len(report.problems)} problem(s); nothing was written\n  "
            + "\n  ".join(lines),
            where=report.file,
        )

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["problems"] = [p.to_dict() for p in self.report.problems]
        return d
