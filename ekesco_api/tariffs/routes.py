"""/tariffs: the regulated tariff in force on a day, and the high/low period right now."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.extensions import db
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.schemas import TariffDaySchema, TariffPeriodNowSchema, TariffQuerySchema
from ekesco_api.tariffs.views import current_period, tariff_day

blp = Blueprint(
    "tariffs",
    __name__,
    url_prefix="/tariffs",
    description="Regulated prices, fixed fee, VAT and the high/low tariff hours. No login needed.",
)


@blp.route("")
class TariffsInForce(MethodView):
    @blp.doc(operationId="getTariffs")
    @blp.arguments(TariffQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, TariffDaySchema)
    @documents(blp, TariffNotFound)
    def get(self, on: Any = None) -> Any:
        """The tariffs in force on a day

        For `?on=YYYY-MM-DD`, or today in Kosovo (Europe/Belgrade): the high and low hours of that
        day in local time, and per customer category the prices per kWh (per monthly block for
        households), the fixed monthly fee, the VAT rate, the validity dates and the regulator's
        decision. Prices and fee are before VAT.
        """
        return tariff_day(db.session, on=on)


@blp.route("/now")
class CurrentPeriod(MethodView):
    @blp.doc(operationId="getTariffPeriodNow")
    @blp.response(200, TariffPeriodNowSchema)
    def get(self) -> Any:
        """The tariff period now

        `high` or `low`, and `until`: when it changes, in local time with its offset (also in UTC).
        """
        return current_period()
