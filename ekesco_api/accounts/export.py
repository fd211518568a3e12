"""A copy of everything held about an account (GET /me/export), one section per domain.

Each domain says what it holds about an account in a module of its own, `<package>/
account_export.py`, with `@section("name", order=…)` on a function `(session, context)` that
yields the section's records (or returns one mapping, `many=False`). The sections are found by
that module name when the first export is written, so this module, low in the layering, never
imports the domains above it, and a new domain joins the export by adding the module alone.

The document is written as it is read: `write_export` yields the JSON text a few kilobytes at a
time while each section reads its rows in chunks (`yield_per`), so an account with years of
bills costs the same memory as one with a month's. It is laid out for a person to read (the
account indented, then one record a line); money is a decimal string, times are UTC with a
`Z`, as everywhere in the API.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

# The module a package adds to contribute its sections.
SECTION_MODULE = "account_export"
# Rows a section reads per round trip, and the characters handed to the server per write.
CHUNK_ROWS = 50
WRITE_SIZE = 8 * 1024
INDENT = "  "


@dataclass(frozen=True, slots=True)
class ExportContext:
    """What every section gets: whose data, and in which language names are wanted."""

    account_id: int
    language: str


Records = Iterable[Mapping[str, Any]] | Mapping[str, Any]
Reader = Callable[[Session, ExportContext], Records]


@dataclass(frozen=True, slots=True)
class Section:
    """One top-level key of the document: a list of records (`many`) or one object."""

    name: str
    order: int
    read: Reader
    many: bool


_SECTIONS: dict[str, Section] = {}
_DISCOVERY = Lock()
_discovered = False


def section(name: str, *, order: int, many: bool = True) -> Callable[[Reader], Reader]:
    """Register `read` as the section `name`; `order` places it in the document (lowest first).

    The orders in use: account 10, meters 20, bills 30, payments 40, requests 50, disconnections
    and payment agreements 55-56, inbox and messages 60-63, subscriptions 70, sessions 80-81,
    codes 85, support 90.
    """

    def register(read: Reader) -> Reader:
        existing = _SECTIONS.get(name)
        if existing is not None and existing.read is not read:
            raise ValueError(f"export section {name!r} registered twice")
        _SECTIONS[name] = Section(name, order, read, many)
        return read

    return register


def sections() -> list[Section]:
    """Every registered section, in document order (importing each package's module first)."""
    _discover()
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


def _discover() -> None:
    global _discovered
    with _DISCOVERY:
        if _discovered:
            return
        root = Path(__file__).resolve().parents[1]
        package = __name__.split(".")[0]
        for module in pkgutil.iter_modules([str(root)]):
            if module.ispkg and (root / module.name / f"{SECTION_MODULE}.py").is_file():
                importlib.import_module(f"{package}.{module.name}.{SECTION_MODULE}")
        _discovered = True


def records(
    session: Session,
    statement: Select[*tuple[Any, ...]],
    parameters: Mapping[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Each row of `statement` as a record named by its columns, read `CHUNK_ROWS` at a time
    (`parameters` fill a statement built once with bind parameters)."""
    rows = session.connection().execute(
        statement.execution_options(yield_per=CHUNK_ROWS), dict(parameters or {})
    )
    for row in rows:
        yield row._asdict()


def plain(value: Any) -> Any:
    """A value as the document writes it: money and kWh as decimal strings, UTC times with Z."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} into the export")


def _json(value: Any, depth: int) -> str:
    """An object spread over indented lines (the account, at the top)."""
    text = json.dumps(value, default=plain, ensure_ascii=False, indent=len(INDENT))
    return text.replace("\n", "\n" + INDENT * depth)


def _record(value: Any) -> str:
    """One record of a list on one line: a person reads a bill a line, and unlike `indent`,
    which runs json's Python encoder and leaves a cycle of closures per call to the garbage
    collector, the C encoder allocates nothing that outlives the call."""
    return json.dumps(value, default=plain, ensure_ascii=False, separators=(", ", ": "))


def _pieces(session: Session, context: ExportContext, exported_at: dt.datetime) -> Iterator[str]:
    head = {"format": "ekesco-account-export", "version": 1, "exported_at": exported_at}
    yield "{\n"
    for key, value in head.items():
        yield f"{INDENT}{json.dumps(key)}: {_json(value, 1)},\n"
    for part in sections():
        yield f"{INDENT}{json.dumps(part.name)}: "
        records = part.read(session, context)
        if not part.many:
            yield _json(records, 1) + ",\n"
            continue
        first = True
        for record in records:
            yield ("[\n" if first else ",\n") + INDENT * 2 + _record(record)
            first = False
        yield "[],\n" if first else f"\n{INDENT}],\n"
    # Last, so that a reader can tell a whole copy from one cut short.
    yield f'{INDENT}"complete": true\n}}\n'


def write_export(
    session: Session, *, account_id: int, language: str, exported_at: dt.datetime
) -> Iterator[str]:
    """The account's whole document as text, in pieces of about `WRITE_SIZE` characters."""
    buffer: list[str] = []
    size = 0
    for piece in _pieces(session, ExportContext(account_id, language), exported_at):
        buffer.append(piece)
        size += len(piece)
        if size >= WRITE_SIZE:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)
