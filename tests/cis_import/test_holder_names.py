"""A CIS import that renames a holder rechecks the name match; what the customer sees follows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.bills.models import Bill
from ekesco_api.cis_import import holder_names
from ekesco_api.cis_import.holder_names import rematch_holder_names
from ekesco_api.cis_import.service import import_directory
from tests.cis_import.conftest import CUSTOMERS, Export
from tests.cis_import.helpers import supply_point
from tests.factories import make_account, make_supply_point
from tests.support.auth import API, token_headers

ARBEN_ROW = "DPR 0000001,Arben,Krasniqi,"
MILOS_ROW = "DMI 0000003,Miloš,Jovanović,"
ARBEN_ADDRESS = "Rr. Nëna Terezë nr. 10, Dardania, Prishtinë"
ARBEN_MASKED = "Rr**. Në** Te** nr**. **, Da**, Pr**"


def _customers(*replacements: tuple[str, str]) -> str:
    text = CUSTOMERS
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return text


def _flag(session: Session, account: Account) -> bool:
    return bool(session.scalar(select(Account.name_matches_holder).where(Account.id == account.id)))


def _seen(client: Any, headers: dict[str, str], bill_number: str, session: Session) -> Any:
    """What the customer sees: the meters' addresses and the holder on one bill."""
    bill_id = session.scalar(select(Bill.id).where(Bill.bill_number == bill_number))
    meters = client.get(f"{API}/meters", headers=headers)
    bill = client.get(f"{API}/bills/{bill_id}", headers=headers)
    assert meters.status_code == 200 and bill.status_code == 200
    body = bill.get_json()
    return (
        [m["address"] for m in meters.get_json()],
        body["holder_name"],
        body["address"],
        body["masked"],
    )


@pytest.fixture
def imported(db_session: Session, export: Export) -> Export:
    import_directory(db_session, export.write_good("areas.csv", "customers.csv").directory)
    import_directory(db_session, export.write_good("meters.csv", "bills.csv").directory)
    for name in ("areas.csv", "meters.csv", "bills.csv"):
        (export.directory / name).unlink()
    return export


def _account(session: Session, code_key: str, first: str, last: str, matches: bool) -> Account:
    point = supply_point(session, code_key)
    return make_account(
        session,
        supply_point=point,
        first_name=first,
        last_name=last,
        name_matches_holder=matches,
        personal_number=point.personal_number or "1234567899",  # a company holder has none
    )


def test_a_renamed_holder_masks_and_the_name_put_back_unmasks(
    client: Any, db_session: Session, imported: Export
) -> None:
    arben = _account(db_session, "DPR0000001", "Arben", "Krasniqi", True)
    headers = token_headers(db_session, arben)
    assert _seen(client, headers, "202501000001", db_session) == (
        [ARBEN_ADDRESS],
        "Arben Krasniqi",
        ARBEN_ADDRESS,
        False,
    )

    imported.write("customers.csv", _customers((ARBEN_ROW, "DPR 0000001,Arben,Gashi,")))
    summary = import_directory(db_session, imported.directory)

    assert summary.report("customers.csv").updated == 1
    assert _flag(db_session, arben) is False
    assert _seen(client, headers, "202501000001", db_session) == (
        [ARBEN_MASKED],
        "Ar** Ga**",
        ARBEN_MASKED,
        True,
    )
    me = client.get(f"{API}/me", headers=headers).get_json()
    assert me["name_matches_holder"] is False

    imported.write("customers.csv", CUSTOMERS)
    import_directory(db_session, imported.directory)

    assert _flag(db_session, arben) is True
    assert _seen(client, headers, "202501000001", db_session) == (
        [ARBEN_ADDRESS],
        "Arben Krasniqi",
        ARBEN_ADDRESS,
        False,
    )


def test_a_typo_fixed_in_the_cis_unmasks_by_registrations_own_rule(
    client: Any, db_session: Session, export: Export
) -> None:
    # The CIS held the name misspelt, so registration as "Miloš Jovanović" did not match.
    typo = _customers((MILOS_ROW, "DMI 0000003,Milosh,Jovanovic,"))
    export.write_good("areas.csv", "meters.csv", "bills.csv").write("customers.csv", typo)
    import_directory(db_session, export.directory)
    for name in ("areas.csv", "meters.csv", "bills.csv"):
        (export.directory / name).unlink()
    milos = _account(db_session, "DMI0000003", "Miloš", "Jovanović", False)
    headers = token_headers(db_session, milos)
    assert _seen(client, headers, "202501000003", db_session)[1:] == (
        "Mi** Jo**",
        "Ul**. Či** Jo** br**. **, Bo** Ma**, Mi** e** Ve**, Mi**",
        True,
    )

    # Fixed without the diacritics: names_match ignores them (š = s, ć = c).
    export.write("customers.csv", _customers((MILOS_ROW, "DMI 0000003,Milos,Jovanovic,")))
    import_directory(db_session, export.directory)

    assert _flag(db_session, milos) is True
    assert _seen(client, headers, "202501000003", db_session)[1:] == (
        "Milos Jovanovic",
        "Ul. Čika Jovina br. 12, Bošnjačka Mahala, Mitrovicë e Veriut, Mitrovicë",
        False,
    )


def test_an_import_that_keeps_the_name_leaves_the_flag_alone(
    db_session: Session, imported: Export
) -> None:
    # Flags that disagree with the names on purpose: only a renamed holder recomputes them.
    arben = _account(db_session, "DPR0000001", "Arben", "Krasniqi", False)
    milos = _account(db_session, "DMI0000003", "Someone", "Else", True)

    imported.write("customers.csv", _customers(("nr. 10", "nr. 11"), ("br. 12", "br. 14")))
    summary = import_directory(db_session, imported.directory)

    assert summary.report("customers.csv").updated == 2
    assert (_flag(db_session, arben), _flag(db_session, milos)) == (False, True)

    imported.write("customers.csv", CUSTOMERS)
    import_directory(db_session, imported.directory)
    import_directory(db_session, imported.directory)  # nothing changed: nothing written

    assert (_flag(db_session, arben), _flag(db_session, milos)) == (False, True)


def test_only_the_accounts_of_renamed_holders_are_rechecked(
    client: Any, db_session: Session, imported: Export
) -> None:
    arben = _account(db_session, "DPR0000001", "Arben", "Krasniqi", True)
    milos = _account(db_session, "DMI0000003", "Someone", "Else", True)  # stale on purpose
    company = _account(db_session, "DPZ0000007", "Kafe", "Ura", False)  # stale on purpose
    unrelated = make_account(db_session, name_matches_holder=True)  # not in the export

    imported.write("customers.csv", _customers((ARBEN_ROW, "DPR 0000001,Arbën,Krasniqi-Gashi,")))
    import_directory(db_session, imported.directory)

    flags = [_flag(db_session, a) for a in (arben, milos, company, unrelated)]
    assert flags == [False, True, False, True]
    milos_headers = token_headers(db_session, milos)
    assert _seen(client, milos_headers, "202501000003", db_session)[3] is False


def test_rematch_reads_and_writes_in_chunks_not_per_account(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    matching = [make_supply_point(db_session) for _ in range(3)]  # Arben Krasniqi
    renamed = [make_supply_point(db_session, last_name="Gashi") for _ in range(4)]
    accounts = [
        make_account(db_session, supply_point=point, name_matches_holder=point in renamed)
        for point in (*matching, *renamed)
    ]
    bystander = make_account(db_session, name_matches_holder=False)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "accounts" in statement:
            statements.append(statement.split()[0].upper())

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        flipped = rematch_holder_names(db_session, [p.id for p in (*matching, *renamed)] * 2)
        assert flipped == 7
        assert statements == ["SELECT", "UPDATE", "UPDATE"]

        statements.clear()
        monkeypatch.setattr(holder_names, "CHUNK", 3)
        assert rematch_holder_names(db_session, [p.id for p in (*renamed, *matching)]) == 0
        assert statements == ["SELECT"] * 3
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert [_flag(db_session, a) for a in accounts] == [True] * 3 + [False] * 4
    assert _flag(db_session, bystander) is False
