"""Ids in paths: any id no row can have is a 404, whatever its size."""

from __future__ import annotations

import pytest

from ekesco_api.routing import MAX_ID
from tests.support.auth import token_headers


@pytest.mark.parametrize("bill_id", [MAX_ID, MAX_ID + 1, 2**62, 2**63 - 1, 2**63, 10**30])
def test_an_id_beyond_any_row_is_404_like_any_unknown_id(client, db_session, bill_id):
    from tests.support.customers import make_customer

    customer = make_customer(db_session)
    response = client.get(
        f"/api/v1/bills/{bill_id}", headers=token_headers(db_session, customer.account)
    )
    assert response.status_code == 404, response.json
