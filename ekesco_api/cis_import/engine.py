"""One engine for every file of the CIS export: read it, check each row, hand it to a writer.

A file is described by a `Loader` (its columns, natural key, a row → values function, how it is
written); `load_file` does the rest the same way for all. Each file is one transaction: it loads
completely or, on a database fault, not at all. A row its loader refuses (`BadValue`) is
reported with its file and line and skipped; the rows around it still load.

The rows reach the writer as they are read (`Rows`), never as a list, so a file of millions of
bills streams through in constant memory. Most files are written by `upsert.Upsert`, the
set-based writer; a file with rules of its own (areas, disconnection events) has its own.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ekesco_api.cis_import.parsing import BadValue
from ekesco_api.cis_import.reader import CsvSource, FileProblem
from ekesco_api.cis_import.report import FileReport, RowError

Row = dict[str, str]
"""A CSV row by column name, as `CsvSource` yields it (stripped text)."""
Values = dict[str, Any]
"""A row as its loader made it: column → value to store (or whatever its writer takes)."""


@dataclass(frozen=True)
class NaturalKey:
    """The columns a file's rows are matched on, and how a key met twice is reported.

    `field` names the key in the report; `shown` spells a row's key out for it (by default
    the row's own text of `field`).
    """

    columns: tuple[str, ...]
    field: str
    shown: Callable[[Row, Values], str] | None = None

    def spelled(self, row: Row, values: Values) -> str:
        """The row's key as the report shows it."""
        return self.shown(row, values) if self.shown else row[self.field]

    def duplicate(self, shown: str, first_line: int) -> BadValue:
        """The refusal of a row whose key an earlier line (`first_line`) had already."""
        return BadValue("duplicate_key", field=self.field, value=shown, first_line=first_line)


class Rows:
    """A file's accepted rows as (natural key, values), in file order, read as they are used.

    While a writer iterates, `line` and `row` are the line and the CSV text of the row it got
    last. Rows the loader refuses never reach the writer; `refuse` records one the writer
    refuses itself. By default a row whose key an earlier row had is refused here; a writer
    that finds such keys itself, in the database (`checks_keys = True`, as `Upsert`), is
    spared the dict of every key this would hold.
    """

    def __init__(
        self, source: CsvSource, loader: Loader, lookups: Any, *, check_keys: bool = True
    ) -> None:
        self.source = source
        self.loader = loader
        self.lookups = lookups
        self.check_keys = check_keys
        self.line = 0
        self.row: Row = {}

    def __iter__(self) -> Iterator[tuple[Hashable, Values]]:
        key, values_of, lookups = self.loader.key, self.loader.values, self.lookups
        # itemgetter of one column gives the value itself, of several a tuple.
        key_of = operator.itemgetter(*key.columns)
        first_lines: dict[Hashable, int] = {}
        check_keys = self.check_keys
        for line, row in self.source:
            try:
                values = values_of(row, lookups)
                natural = key_of(values)
                if check_keys:
                    # The later of two rows with one key is the one refused.
                    first_line = first_lines.setdefault(natural, line)
                    if first_line != line:
                        raise key.duplicate(key.spelled(row, values), first_line)
            except BadValue as refusal:
                self.source.reject(line, refusal)
                continue
            self.line, self.row = line, row
            yield natural, values

    def refuse(self, line: int, refusal: BadValue) -> None:
        """Report a row the writer refused after reading it (it is then not written)."""
        self.source.reject(line, refusal)


Writer = Callable[[Session, NaturalKey, Rows, FileReport], None]
"""Writes a file's accepted rows in the file's transaction, read as it goes, and counts them in
the report (the engine commits). One that checks keys met twice itself has `checks_keys = True`.
"""


def _no_lookups(_session: Session) -> None:
    return None


@dataclass(frozen=True)
class Loader:
    """One file of the export: its columns, its natural key, its rows' values, its writer.

    `values(row, lookups)` makes a row's values or refuses the row by raising `BadValue` (any
    reason code of `parsing.REASONS`); `lookups(session)` is read once per file before the
    first row and handed to every row, so a row may be judged by what is stored (a known
    customer code) or by the rows before it (state the loader keeps in it). The duplicate-key
    check comes after `values`, so such state has seen a row the check then refuses.
    """

    file: str
    columns: tuple[str, ...]
    key: NaturalKey
    values: Callable[[Row, Any], Values]
    write: Writer
    optional_columns: tuple[str, ...] = ()
    lookups: Callable[[Session], Any] = _no_lookups


def load_file(session: Session, path: Path, loader: Loader, report: FileReport) -> None:
    """Load one file in its own transaction; problems end up in `report`, never raised."""
    try:
        with CsvSource(path, loader.columns, loader.optional_columns) as source:
            lookups = loader.lookups(session)
            check_keys = not getattr(loader.write, "checks_keys", False)
            rows = Rows(source, loader, lookups, check_keys=check_keys)
            loader.write(session, loader.key, rows, report)
            session.commit()
    except FileProblem as problem:
        session.rollback()
        report.fail(problem.line, problem.code, problem.params)
    except OSError as exc:
        session.rollback()
        report.fail(0, "file_unreadable", {"detail": exc.strerror or str(exc)})
    except SQLAlchemyError as exc:
        session.rollback()
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        report.fail(0, "database_error", {"detail": detail})
    except BaseException:
        session.rollback()
        raise
    else:
        report.errors = [
            RowError(report.file, problem.line, problem.code, problem.params)
            for problem in sorted(source.problems, key=lambda problem: problem.line)
        ]
