"""`flask --app wsgi ekesco import DIR` and `ekesco demo-data`: the CIS export, in and out."""

from __future__ import annotations

import re
import time
from pathlib import Path

import click
from sqlalchemy import inspect, select

from ekesco_api.cis_import import service as import_service
from ekesco_api.cis_import.demo import NoTariffForPeriod, write_demo_export
from ekesco_api.cli import ekesco
from ekesco_api.disconnection.agreements import describe
from ekesco_api.extensions import db
from ekesco_api.tariffs.models import Tariff


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
    name_sr, name_en), customers.csv, meters.csv, bills.csv, payments.csv, readings.csv,
    disconnections.csv (UTF-8, header row, comma-separated; columns as in the API contract).
    Each file is one transaction. A bad row is printed with its file and line and skipped; the
    good rows still load. Running the same export again changes nothing. Then payment
    agreements are settled as `disconnection-sweep` does. Exits 1 only when a file could not
    be read at all.
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
    if summary.agreements:
        click.echo(describe(summary.agreements))
    click.echo(
        f"Import run {summary.run_id}: {summary.error_count} problems, "
        f"{len(summary.failed_files)} files not loaded, {elapsed:.1f} s."
    )
    if summary.failed_files:
        raise SystemExit(1)


def _where(file: str, line: int) -> str:
    return f"{file}:{line}" if line else file


def _period(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise click.BadParameter("use YYYY-MM, e.g. 2026-10")
    return value


@ekesco.command("demo-data")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the CSV files to (created if missing; files are replaced).",
)
@click.option("--supply-points", default=3000, show_default=True, type=click.IntRange(1, 999_999))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same files.")
@click.option(
    "--last-period",
    default=None,
    callback=_period,
    help="Last billed month, YYYY-MM [default: last month]. Fix it for files that never change.",
)
@click.option(
    "--months",
    default=24,
    show_default=True,
    type=click.IntRange(1, 120),
    help="Bills per supply point, one a month.",
)
@click.option(
    "--reading-days",
    default=60,
    show_default=True,
    type=click.IntRange(1, 400),
    help="Days of daily register reads for each remote-read meter.",
)
def demo_data(
    out: Path,
    supply_points: int,
    seed: int,
    last_period: str | None,
    months: int,
    reading_days: int,
) -> None:
    """Write a realistic CIS export to load with `ekesco import OUT`.

    Seven districts (Prishtinë, Prizren, Pejë, Gjakovë, Mitrovicë, Ferizaj, Gjilan) with their
    localities and neighbourhoods (areas.csv, names in sq/sr/en); Albanian and Serbian holders,
    ~85 % households; meters read remotely (~40 %) or by hand; --months of bills up to the last
    month, priced by the tariff engine with the tariffs in the database (the one in force on
    each month's first day), adding up to the cent, unpaid amounts carried over; payments at
    banks, post offices and cash desks; --reading-days of daily register reads for remote meters.
    Streamed: 600,000 supply points take minutes and little memory.

    The first supply points are always the same, so you can register with them (personal
    number as printed, any name — a different name only masks the bill):

    \b
      DPR 0000001  Arben Krasniqi    1234567890  household, remote-read meter
      DPZ 0000002  Drita Gashi       1234567891  household, manual meter
      DMI 0000003  Miloš Jovanović   1234567892  North Mitrovica, partly paid bills
      DPE 0000004  Valon Berisha     1234567893  business with two meters
      DGJ 0000005  Fjolla Morina     1234567894  household with unpaid bills
    """
    upgrade = "`flask --app wsgi db upgrade`"
    if not inspect(db.session.connection()).has_table(Tariff.__tablename__):
        raise click.ClickException(
            f"The database has no tariffs table to price the bills with; run {upgrade} first."
        )
    tariffs = db.session.scalars(select(Tariff).order_by(Tariff.category, Tariff.valid_from)).all()
    started = time.perf_counter()
    try:
        export = write_demo_export(
            out,
            tariffs=tariffs,
            supply_points=supply_points,
            seed=seed,
            last_period=last_period,
            months=months,
            reading_days=reading_days,
        )
    except NoTariffForPeriod as error:
        raise click.ClickException(
            f"{error} The tariffs table has {len(tariffs)} rows; load the seeded tariffs with "
            f"{upgrade} (or add yours with `flask --app wsgi ekesco import-tariffs FILE.csv`), "
            "or pick a later --last-period."
        ) from None
    elapsed = time.perf_counter() - started
    for name, count in export.counts.items():
        click.echo(f"{export.directory / name}: {count} rows")
    click.echo(f"Bills up to {export.last_period}; written in {elapsed:.1f} s.")
    if export.well_known:
        click.echo("Supply points to try (customer code, holder, personal number, meters):")
    for point in export.well_known:
        meters = ", ".join(f"{number} ({mode})" for number, mode, _tariff in point.meters)
        click.echo(
            f"  {point.code}  {point.first_name} {point.last_name}  {point.personal_number}  "
            f"{meters}  — {point.well_known}"
        )
    click.echo(f"Load it with: flask --app wsgi ekesco import {export.directory}")
