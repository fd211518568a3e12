"""Reading one CSV file of the export: the csv module, line numbers, and bad bytes per line.

The file is read as bytes and decoded line by line, so one line of stray Windows-1252 rejects
that row alone instead of the whole file. Rows are yielded as dicts by header name (order of
columns is free, extra columns are ignored), each with the line it starts on (the header is 1).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ekesco_api.cis_import.parsing import BadValue


@dataclass
class Problem:
    """A rejected row: where it starts, why (a reason code of `parsing.REASONS`), with what."""

    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class FileProblem(Exception):
    """The file as a whole cannot be used: unreadable, empty, or its header lacks columns."""

    def __init__(self, code: str, line: int = 0, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.line = line
        self.params = params


class _Lines:
    """Decoded lines for csv.reader, remembering which physical lines were not UTF-8."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.bad: dict[int, int] = {}  # line number -> offset of the first bad byte

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.bad[number] = exc.start + 1
                yield raw.decode("utf-8", "replace")


class CsvSource:
    """`with CsvSource(path, required) as source: for line, row in source: ...`.

    Entering reads the header and raises `FileProblem` when the file cannot be used at all;
    iterating yields the well-formed rows and keeps the malformed ones in `problems`.
    """

    def __init__(self, path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> None:
        self.path = path
        self.required = tuple(required)
        self.optional = tuple(optional)
        self.problems: list[Problem] = []
        self.rows_read = 0
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> CsvSource:
        try:
            self._handle = self.path.open("rb")
        except OSError as exc:
            raise FileProblem("file_unreadable", detail=exc.strerror or str(exc)) from None
        self._lines = _Lines(self._handle)
        self._reader = csv.reader(self._lines, strict=True)
        try:
            header = self._next_record()
        except OSError as exc:
            self.__exit__(None, None, None)
            raise FileProblem("file_unreadable", detail=exc.strerror or str(exc)) from None
        if header is None:
            self.__exit__(None, None, None)
            raise FileProblem("file_empty")
        line, names = header
        names = [name.strip().lower() for name in names]
        duplicates = sorted({name for name in names if name and names.count(name) > 1})
        missing = [name for name in self.required if name not in names]
        if duplicates or missing:
            self.__exit__(None, None, None)
            if missing:
                raise FileProblem("missing_columns", line, columns=", ".join(missing))
            raise FileProblem("duplicate_columns", line, columns=", ".join(duplicates))
        self._width = len(names)
        self._index = {
            name: names.index(name) for name in self.required + self.optional if name in names
        }
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _next_record(self) -> tuple[int, list[str]] | None:
        """The next non-blank record with its first line; csv errors become problems."""
        while True:
            start = self._reader.line_num + 1
            try:
                record = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                self.problems.append(Problem(start, "csv_syntax", {"detail": str(exc)}))
                continue
            if self._lines.bad:
                bad = [n for n in range(start, self._reader.line_num + 1) if n in self._lines.bad]
                if bad:
                    position = self._lines.bad[bad[0]]
                    self.problems.append(Problem(bad[0], "not_utf8", {"position": position}))
                    continue
            if any(record):  # blank lines (and lines of empty fields) are no rows
                return start, record

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        while (record := self._next_record()) is not None:
            line, values = record
            self.rows_read += 1
            if len(values) != self._width:
                self.problems.append(
                    Problem(line, "column_count", {"expected": self._width, "found": len(values)})
                )
                continue
            row = {name: values[i].strip() for name, i in self._index.items()}
            for name in self.optional:
                row.setdefault(name, "")
            yield line, row

    def reject(self, line: int, problem: BadValue) -> None:
        """Record a row the caller found wrong after reading it."""
        self.problems.append(Problem(line, problem.code, problem.params))
