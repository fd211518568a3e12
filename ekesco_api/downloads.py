"""HTTP answers that are documents (bills, receipts): one shape for the response and its spec."""

from __future__ import annotations

from typing import Any

from flask import Response


def pdf_doc(description: str) -> dict[str, Any]:
    """The `responses` of `@blp.doc` for an operation that answers a PDF."""
    return {
        "200": {
            "description": description,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }


def pdf_response(filename: str, pdf: bytes) -> Response:
    """A PDF shown inline, never kept by shared caches (it carries personal data)."""
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
