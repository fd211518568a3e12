"""`flask --app wsgi ekesco import DIR`: load the CIS export."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ekesco_api.cis_import import service as import_service
from ekesco_api.cli import ekesco
from ekesco_api.extensions import db


@ekesco.command("import")
@click.argument(
    "directory", type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
)
@click.option(
    "--show-errors",
    default=50,
    show_default=True,
    type=click.IntRange(0),
    help="Rejected rows printed per file (all are counted and kept in the import run).",
)
@click.option(
    "--language",
    "lang",
    default="en",
    show_default=True,
    type=click.Choice(["en", "sq", "sr"]),
    help="Language of the reasons printed.",
)
def import_command(directory: Path, show_errors: int, lang: str) -> None:
    """Load the CIS export in DIRECTORY: new rows are inserted, changed rows updated.

    Reads whichever of these are there, in this order: areas.csv (city, locality, neighbourhood,
    name_sr, name_en), customers.csv, meters.csv, bills.csv, payments.csv, readings.csv (UTF-8,
    header row, comma-separated; columns as in the API contract). Each file is one transaction.
    A bad row is printed with its file and line and skipped; the good rows still load. Running
    the same export again changes nothing. Exits 1 only when a file could not be read at all.
    """
    started = time.perf_counter()
    summary = import_service.import_directory(db.session(), directory)
    elapsed = time.perf_counter() - started
    if not summary.files:
        click.echo(f"No CIS files in {directory} (expected customers.csv, bills.csv, ...).")
    for report in summary.files:
        line = (
            f"{report.file}: {report.inserted} inserted, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.rejected} rejected ({report.seconds:.1f} s)"
        )
        if report.areas_inserted:
            line += f"; {report.areas_inserted} areas added"
        click.echo(line)
        if report.failure is not None:
            click.echo(
                f"  {_where(report.file, report.failure.line)}: {report.failure.message(lang)}",
                err=True,
            )
        for error in report.errors[:show_errors]:
            click.echo(f"  {_where(error.file, error.line)}: {error.message(lang)}", err=True)
        if report.rejected > show_errors:
            click.echo(f"  ... and {report.rejected - show_errors} more", err=True)
    click.echo(
        f"Import run {summary.run_id}: {summary.error_count} problems, "
        f"{len(summary.failed_files)} files not loaded, {elapsed:.1f} s."
    )
    if summary.failed_files:
        raise SystemExit(1)


def _where(file: str, line: int) -> str:
    return f"{file}:{line}" if line else file
