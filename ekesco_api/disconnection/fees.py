"""The fees of Annex 1 of the ERO rule, by the supply point's category."""

from __future__ import annotations

from decimal import Decimal

NOTICE_FEE = Decimal("5.00")  # preparing and delivering a disconnection or reconnection notice
_CUT_OR_RESTORE = {"household": Decimal("15.00"), "commercial": Decimal("30.00")}


def fees(category: str) -> dict[str, Decimal]:
    """{notice, disconnection, reconnection} for a `household` or `commercial` supply point."""
    cut = _CUT_OR_RESTORE[category]
    return {"notice": NOTICE_FEE, "disconnection": cut, "reconnection": cut}
