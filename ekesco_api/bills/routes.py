"""/bills: one bill with its lines, and the printable PDF."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, Page

from ekesco_api.api_docs import documents
from ekesco_api.bills import service as bill_service
from ekesco_api.bills.errors import BillNotFound
from ekesco_api.bills.schemas import BillDetailSchema, BillSummarySchema
from ekesco_api.downloads import pdf_doc, pdf_response
from ekesco_api.extensions import db
from ekesco_api.i18n import request_language
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.security.guards import (
    current_account_id,
    customer_required,
    session_to_confirm,
)

blp = Blueprint(
    "bills",
    __name__,
    url_prefix="",
    description="Bills of the account's customer codes: lines, status and the printable bill.",
)


@blp.route("/bills/<int:bill_id>")
class BillDetail(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="getBill")
    @blp.response(200, BillDetailSchema)
    @documents(blp, BillNotFound)
    def get(self, bill_id: int) -> Any:
        """A bill with its lines

        The lines (energy per tariff and block, fixed fee, VAT, previous balance) add up to
        `total` to the cent. `holder_name` and `address` keep the first two letters of each
        word (`Ar** Kr**`) when the account's name does not match the holder's: then `masked`
        is true. 404 for a bill that is not on one of the account's customer codes.
        """
        return bill_service.bill_detail(
            db.session(), account_id=current_account_id(), bill_id=bill_id
        )


@blp.route("/bills/<int:bill_id>/pdf")
class BillPdf(MethodView):
    @customer_required(blp)
    @blp.doc(
        operationId="getBillPdf",
        responses=pdf_doc("The bill as one A4 page, masked like the detail."),
    )
    @documents(blp, BillNotFound)
    def get(self, bill_id: int) -> Any:
        """The printable bill (PDF)

        In the request's language; the holder's name and address are masked exactly as in
        the detail, so a full address is printed only when the names match.
        """
        filename, pdf = bill_service.bill_pdf(
            db.session(),
            account_id=current_account_id(),
            bill_id=bill_id,
            language=request_language(),
        )
        return pdf_response(filename, pdf)


@blp.route("/meters/<int:meter_id>/bills")
class MeterBills(MethodView):
    @customer_required(blp, statement_checks_session=True)
    @blp.doc(operationId="listMeterBills")
    @blp.response(200, BillSummarySchema(many=True))
    @blp.paginate(Page, page_size=12, max_page_size=60)
    @documents(blp, MeterNotFound)
    def get(self, meter_id: int) -> Any:
        """The monthly bills of a meter's customer code

        Newest first, `page` and `page_size` (12 by default, at most 60); the `X-Pagination`
        header carries the totals. `status` is derived from the payments the supplier
        recorded: they settle the oldest bills first.
        """
        return bill_service.meter_bills(
            db.session(),
            account_id=current_account_id(),
            meter_id=meter_id,
            session_family=session_to_confirm(),
        )
