"""/balance: what the whole account owes."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.balance import service as balance_service
from ekesco_api.balance.schemas import (
    AccountBalanceSchema,
    MeterBalanceSchema,
    dump_account_balance,
    dump_meter_balance,
)
from ekesco_api.extensions import db
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.security.guards import (
    current_account_id,
    customer_required,
    session_to_confirm,
)

blp = Blueprint(
    "balance",
    __name__,
    url_prefix="",
    description="What the account owes over all its meters.",
)


@blp.route("/balance")
class AccountBalance(MethodView):
    @customer_required(blp, statement_checks_session=True)
    @blp.doc(operationId="getBalance")
    @blp.response(200, AccountBalanceSchema)
    def get(self) -> Any:
        """What the account owes

        The sum over the account's customer codes (each counted once, however many of its
        meters are on the account), with one row per meter. Each amount is the latest bill's
        total less the payments made since, including the app's own payments the supplier
        has not confirmed yet (`pending_payments`).
        """
        balance = balance_service.account_balance(
            db.session(), account_id=current_account_id(), session_family=session_to_confirm()
        )
        return current_app.json.response(dump_account_balance(balance))


@blp.route("/meters/<int:meter_id>/balance")
class MeterBalance(MethodView):
    @customer_required(blp, statement_checks_session=True)
    @blp.doc(operationId="getMeterBalance")
    @blp.response(200, MeterBalanceSchema)
    @documents(blp, MeterNotFound)
    def get(self, meter_id: int) -> Any:
        """What a meter's customer code owes

        `amount_due` is the latest bill's total less the payments made since, including the
        app's own payments the supplier has not confirmed yet (also shown as
        `pending_payments`). `last_synced_at` says when the supplier's data were last
        imported.
        """
        balance = balance_service.meter_balance(
            db.session(),
            account_id=current_account_id(),
            meter_id=meter_id,
            session_family=session_to_confirm(),
        )
        return current_app.json.response(dump_meter_balance(balance))
