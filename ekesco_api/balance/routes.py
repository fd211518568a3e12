"""/balance: what the whole account owes."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.balance import service as balance_service
from ekesco_api.balance.schemas import AccountBalanceSchema, dump_account_balance
from ekesco_api.errors import Unauthorized, documents
from ekesco_api.extensions import db
from ekesco_api.security import current_account_id, customer_required

blp = Blueprint(
    "balance",
    __name__,
    url_prefix="/balance",
    description="What the account owes over all its meters.",
)


@blp.route("")
class AccountBalance(MethodView):
    @customer_required()
    @blp.doc(operationId="getBalance", security=[{"bearerAuth": []}])
    @blp.response(200, AccountBalanceSchema)
    @documents(blp, Unauthorized)
    def get(self) -> Any:
        """What the account owes

        The sum over the account's customer codes (each counted once, however many of its
        meters are on the account), with one row per meter. Each amount is the latest bill's
        total less the payments made since, including the app's own payments the supplier
        has not confirmed yet (`pending_payments`).
        """
        balance = balance_service.account_balance(db.session(), account_id=current_account_id())
        return current_app.json.response(dump_account_balance(balance))
