"""How long one bill PDF (and one payment receipt) takes to render, in-process, and its size.

Usage: .venv/bin/python benchmarks/bill_pdf.py [--renders 200] [--cold-runs 5] [--language sq]
       (or `make bench`). Needs no database and starts no server: it calls the PDF adapter
       (`ekesco_api.adapters.pdf_bill`, `pdf_receipt`) inside an application context, as
       GET /bills/{id}/pdf does.

The first render of a process ("cold": fonts, babel's locale data, fpdf2's lazy imports) is
measured apart from the rest, in `--cold-runs` fresh processes, since a gunicorn worker pays it
once; the warm figures are p50 and p99 over `--renders` renders after it.

Measured on the development machine (2 shared, busy cores: wall times scatter, so CPU time is
printed too; sq, 100 warm renders, 5 cold runs; medians of three alternating runs), ms:
                                         bill: cold (CPU)  warm p50 (CPU)   receipt: warm p50 (CPU)
  fpdf2's add_font, fonts parsed per PDF:       226 (217)        106 (105)            102 (88)
  fonts parsed once per process (pdf_fonts):    304 (265)         80 (80)              64 (63)
The first PDF of a process costs ~50 ms more CPU (the once-per-process parse also decodes the
tables that each document's font is then copied from); every later one ~25-40 ms less. The
PDFs are the same size before and after (bill 28,533 bytes, receipt 23,236): the fonts are
still subset per document, and byte for byte as before.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import harness

DOCUMENTS = ("bill", "receipt")


def _documents(language: str) -> dict[str, Callable[[], bytes]]:
    """Each document as a function rendering it: the PDF tests' household bill with a
    two-tariff meter and the usual lines, and their receipt of one app payment on two codes."""
    from ekesco_api.adapters.pdf_bill import render_bill_pdf
    from ekesco_api.adapters.pdf_receipt import render_receipt_pdf
    from tests.adapters.pdf_samples import sample_bill, sample_receipt

    bill, receipt = sample_bill(), sample_receipt()
    return {
        "bill": lambda: render_bill_pdf(bill, language=language),
        "receipt": lambda: render_receipt_pdf(receipt, language=language),
    }


def _timed(render: Callable[[], bytes]) -> tuple[float, float, bytes]:
    """(wall ms, CPU ms, the PDF) of one render."""
    started, cpu = time.perf_counter(), time.process_time()
    pdf = render()
    return (time.perf_counter() - started) * 1000.0, (time.process_time() - cpu) * 1000.0, pdf


def _cold(document: str, language: str) -> tuple[float, float]:
    """The first render of `document` in this process: (wall ms, CPU ms)."""
    from ekesco_api import create_app

    app = create_app()
    with app.app_context():
        wall, cpu, _pdf = _timed(_documents(language)[document])
    return wall, cpu


def _cold_in_fresh_processes(document: str, language: str, runs: int) -> list[list[float]]:
    command = [sys.executable, __file__, "--cold-child", document, "--language", language]
    return [
        json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        for _ in range(runs)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200, help="warm renders per document")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes per document")
    parser.add_argument("--language", default="sq", choices=("sq", "en", "sr"))
    parser.add_argument("--cold-child", choices=DOCUMENTS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    with harness.scratch_directory() as tmp:
        # No database is touched, but create_app() wants a configuration all the same.
        os.environ.update(harness.environment(tmp))
        if args.cold_child:
            print(json.dumps(_cold(args.cold_child, args.language)))
            return 0

        from ekesco_api import create_app

        app = create_app()
        rows = []
        with app.app_context():
            renders = _documents(args.language)
            for name in DOCUMENTS:
                cold = _cold_in_fresh_processes(name, args.language, args.cold_runs)
                _timed(renders[name])  # this process's own first render, not counted
                warm, warm_cpu = [], []
                for _ in range(args.renders):
                    wall, cpu, pdf = _timed(renders[name])
                    warm.append(wall)
                    warm_cpu.append(cpu)
                rows.append((name, cold, warm, warm_cpu, len(pdf)))

    print(
        f"PDF rendering in-process ({args.language}; cold: first render in each of "
        f"{args.cold_runs} fresh processes, median; warm: {args.renders} renders):"
    )
    print(f"  {'':<8} {'cold':^17}  {'warm':^44}")
    print(
        f"  {'document':<8} {'ms':>8} {'CPU ms':>8}  {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}"
        f" {'CPU ms':>8} {'bytes':>8}"
    )
    for name, cold, warm, warm_cpu, size in rows:
        print(
            f"  {name:<8} {statistics.median(c[0] for c in cold):8.1f}"
            f" {statistics.median(c[1] for c in cold):8.1f}  {statistics.median(warm):8.1f}"
            f" {harness.percentile(warm, 0.99):8.1f} {statistics.fmean(warm):8.1f}"
            f" {statistics.median(warm_cpu):8.1f} {size:8d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
