"""`flask --app wsgi ekesco import-tariffs FILE.csv`: load regulator tariffs from a CSV file."""

from __future__ import annotations

from pathlib import Path

import click

from ekesco_api.cli import ekesco
from ekesco_api.extensions import db
from ekesco_api.tariffs.csv_import import import_tariffs_csv


@ekesco.command("import-tariffs")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_tariffs(path: Path) -> None:
    """Upsert tariffs by (valid_from, category) from a CSV file.

    Columns: valid_from, valid_to, category (household|commercial), block_kwh, price_high,
    price_low, price_high_above, price_low_above (EUR per kWh before VAT), fixed_fee (EUR per
    month), vat_percent, decision_number, decision_date, decision_title, source_url, note.
    Empty valid_to: in force until replaced. Leave the block columns empty for no blocks.
    Bad rows are reported with their line and skipped; a second run changes nothing.
    """
    try:
        report = import_tariffs_csv(db.session, path=path)
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(str(error)) from error
    for message in report.errors:
        click.echo(message, err=True)
    click.echo(f"Tariffs: {report.summary()}.")
    if report.errors:
        click.get_current_context().exit(1)
