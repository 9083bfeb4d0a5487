"""Domain errors raised by services; each carries the CLI exit code it maps to.

Services raise these on purpose; the CLI turns them into one line on stderr
(or a JSON error object) and the matching exit code, the TUI into a notice.
"""

from __future__ import annotations

from collections.abc import Sequence


class CrmError(Exception):
    """Base of every error a service raises on purpose."""

    exit_code = 1
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(CrmError):
    """Bad input: a value the user can fix."""

    exit_code = 2
    code = "invalid"


class NotFound(CrmError):
    """A reference that names no record."""

    exit_code = 3
    code = "not_found"


class Ambiguous(CrmError):
    """A reference that names more than one record."""

    exit_code = 4
    code = "ambiguous"

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        if candidates:
            shown = "; ".join(candidates[:10])
            more = f" (and {len(candidates) - 10} more)" if len(candidates) > 10 else ""
            message = f"{message}: {shown}{more}"
        super().__init__(message)
        self.candidates = list(candidates)


class Conflict(CrmError):
    """A stale edit or a duplicate key: nothing was saved."""

    exit_code = 4
    code = "conflict"

    def __init__(self, message: str, current: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.current = current or {}


class InvalidFile(CrmError):
    """An input file that cannot be imported; nothing was written."""

    exit_code = 5
    code = "invalid_file"


class SchemaTooNew(CrmError):
    """The database was written by a newer termcrm."""

    exit_code = 1
    code = "schema_too_new"
