"""Import the CIS export, a directory of CSV files, and record the run.

Files: areas.csv (names of places in sr/en), customers.csv, meters.csv, bills.csv, payments.csv,
readings.csv, disconnections.csv; each optional, loaded in that order (see `loaders.LOADERS`)
by `engine.load_file`, each in its own transaction; then the disconnection sweep.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.orm import Session

from ekesco_api.cis_import.engine import load_file
from ekesco_api.cis_import.loaders import LOADERS
from ekesco_api.cis_import.models import ImportRun
from ekesco_api.cis_import.report import FileReport, ImportSummary
from ekesco_api.disconnection.agreements import sweep
from ekesco_api.types import utcnow


def import_directory(session: Session, directory: str | Path) -> ImportSummary:
    """Load whichever of the export's files are in `directory`, in dependency order.

    Bad rows are reported and skipped; a file that cannot be read at all is reported in
    `failed_files` and the others still load. Running the same export twice writes nothing
    the second time.
    """
    directory = Path(directory)
    summary = ImportSummary(directory=str(directory))
    run = ImportRun(directory=str(directory)[:500], started_at=summary.started_at, summary={})
    session.add(run)
    session.commit()
    summary.run_id = run.id

    for loader in LOADERS:
        path = directory / loader.file
        if not path.exists():
            continue
        report = FileReport(file=loader.file)
        summary.files.append(report)
        started = time.perf_counter()
        load_file(session, path, loader, report)
        report.seconds = round(time.perf_counter() - started, 3)

    summary.finished_at = utcnow()
    run.finished_at = summary.finished_at
    run.error_count = summary.error_count
    run.summary = summary.as_json()
    session.commit()
    # The payments just loaded, and the days gone by, decide where payment agreements stand
    # (ERO rule Art. 16.1a, 25.1): settled with every import, so that no deployment has to
    # remember a cron line of its own for it.
    summary.agreements = sweep(session, now=utcnow())
    return summary
