"""What an import did, per file and in all: printed by `ekesco import`, kept in ImportRun."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ekesco_api.cis_import.parsing import render_reason
from ekesco_api.types import utcnow

# Rejected rows kept per file in ImportRun.summary (all of them are counted and printed).
STORED_ERRORS = 500


@dataclass
class RowError:
    """One rejected row (or, with line 0, a whole file) and the reason."""

    file: str
    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        return render_reason(self.code, self.params, lang)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message()}"


@dataclass
class FileReport:
    """What one file did: rows inserted, updated, unchanged, and the rows rejected."""

    file: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    areas_inserted: int = 0
    seconds: float = 0.0
    errors: list[RowError] = field(default_factory=list)
    # Set when the file could not be used at all (unreadable, header, database fault).
    failure: RowError | None = None

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def fail(self, line: int, code: str, params: dict[str, Any]) -> None:
        """The file is not loaded: its transaction was rolled back, so nothing of it counts."""
        self.inserted = self.updated = self.unchanged = self.areas_inserted = 0
        self.failure = RowError(self.file, line, code, params)

    def as_json(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "areas_inserted": self.areas_inserted,
            "seconds": self.seconds,
            "failure": _error_json(self.failure) if self.failure else None,
            "errors": [_error_json(error) for error in self.errors[:STORED_ERRORS]],
        }


def _error_json(error: RowError) -> dict[str, Any]:
    return {
        "line": error.line,
        "code": error.code,
        "params": {k: str(v) for k, v in error.params.items()},
        "message": error.message(),
    }


@dataclass
class ImportSummary:
    """The outcome of one import: a report per file found, and the ImportRun that records it."""

    directory: str
    run_id: int | None = None
    started_at: dt.datetime = field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    files: list[FileReport] = field(default_factory=list)
    # What the disconnection sweep after the files did (disconnection.agreements.sweep).
    agreements: dict[str, int] = field(default_factory=dict)

    @property
    def failed_files(self) -> list[FileReport]:
        return [report for report in self.files if report.failure is not None]

    @property
    def error_count(self) -> int:
        return sum(r.rejected + (1 if r.failure else 0) for r in self.files)

    def report(self, file: str) -> FileReport:
        return next(r for r in self.files if r.file == file)

    def as_json(self) -> dict[str, Any]:
        return {"files": {r.file: r.as_json() for r in self.files}}
