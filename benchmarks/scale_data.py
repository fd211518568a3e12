"""The 600,000-customer database of `scale.py`: app accounts, a 10-meter account, minted tokens.

Run inside the app context of `harness.migrated_app` on a database the CIS import has filled.
Accounts are written by one INSERT ... SELECT from the supply points with one argon2 hash made
once and reused: 200,000 argon2 hashes would take an hour of CPU and measure nothing. Every
account can log in with `PASSWORD`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSWORD = "scale benchmark passphrase"
EMAIL_DOMAIN = "scale.example"
TEN_METERS = 10


@dataclass
class Fixture:
    """What the load needs: the 10-meter account's token and meter, and minted token pairs."""

    accounts: int
    balance_token: str
    meter_id: int
    unregistered: list[tuple[str, str]]  # customer code, personal number: for registrations


def email_of(account_number: int) -> str:
    """The e-mail of the n-th benchmark account (1-based): what a login sends."""
    return f"customer{account_number}@{EMAIL_DOMAIN}"


def register_accounts(count: int) -> int:
    """Active, verified accounts on the first `count` supply points by id; returns how many
    exist. Their names are the holders' (not masked); idempotent."""
    from sqlalchemy import func, select, text

    from ekesco_api.accounts.models import Account
    from ekesco_api.extensions import db
    from ekesco_api.passwords import hash_password

    session = db.session()
    have = session.scalar(
        select(func.count()).select_from(Account).where(Account.email_key.like(f"%@{EMAIL_DOMAIN}"))
    )
    if have and have >= count:
        return int(have)
    # n-th supply point by id → account n: e-mail customer<n>@..., phone +38344 and 6 digits.
    session.execute(
        text(
            """
            INSERT INTO accounts (supply_point_id, first_name, last_name, email, email_key, phone,
                personal_number, id_card_expiry, password_hash, language, status,
                name_matches_holder, password_change_required, created_at, verified_at)
            SELECT sp.id, sp.first_name, sp.last_name, e.email, e.email,
                '+3834' || lpad(sp.n::text, 7, '0'),
                coalesce(sp.personal_number, lpad(sp.n::text, 10, '9')),
                :expiry, :hash, 'sq', 'active', true, false, now(), now()
            FROM (SELECT s.*, row_number() OVER (ORDER BY s.id) AS n FROM supply_points s
                  ORDER BY s.id LIMIT :count) sp
            CROSS JOIN LATERAL (SELECT 'customer' || sp.n || :domain AS email) e
            WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.supply_point_id = sp.id)
            """
        ),
        {
            "count": count,
            "hash": hash_password(PASSWORD),
            "expiry": dt.date.today() + dt.timedelta(days=3 * 365),
            "domain": "@" + EMAIL_DOMAIN,
        },
    )
    session.commit()
    session.execute(text("ANALYZE accounts"))
    session.commit()
    return count


def app_payment_history() -> int:
    """One card payment in the app per benchmark account, paid and since confirmed by the CIS
    (its item carries the reference of the supply point's latest imported payment, so no balance
    changes); how many were written. Idempotent.

    A deployment's payment tables hold its customers' history; left empty, PostgreSQL plans the
    pending-payments subqueries of balance and bills as scans of a table it believes empty, and
    those scans grow with every payment the benchmark makes (autovacuum, which would correct
    the statistics, is off on this machine). Then ANALYZE, as autovacuum would.
    """
    from sqlalchemy import text

    from ekesco_api.extensions import db

    session = db.session()
    written = session.execute(
        text(
            """
            WITH chosen AS MATERIALIZED (
                -- The payment's id drawn here, so that its item needs no join back to it.
                SELECT nextval('payments_id_seq') AS payment_id, latest.*
                FROM (
                    SELECT DISTINCT ON (a.id) a.id AS account_id, m.id AS meter_id,
                        m.meter_number, sp.id AS supply_point_id, sp.customer_code,
                        cp.reference, cp.amount, cp.paid_at
                    FROM accounts a
                    JOIN supply_points sp ON sp.id = a.supply_point_id
                    JOIN meters m ON m.supply_point_id = sp.id
                    CROSS JOIN LATERAL (
                        SELECT c.reference, c.amount, c.paid_at FROM cis_payments c
                        WHERE c.supply_point_id = sp.id ORDER BY c.paid_on DESC LIMIT 1
                    ) cp
                    WHERE a.email_key LIKE :accounts
                      AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.account_id = a.id)
                      AND NOT EXISTS (
                          SELECT 1 FROM payment_items i WHERE i.cis_reference = cp.reference
                      )
                    ORDER BY a.id, m.id
                ) latest
            ), paid AS (
                INSERT INTO payments (id, account_id, status, amount, commission, currency,
                    redirect_url, bank_reference, created_at, completed_at)
                SELECT payment_id, account_id, 'succeeded', amount, 0, 'EUR', '',
                    'SCALE-' || reference, paid_at, paid_at
                FROM chosen
            )
            INSERT INTO payment_items (payment_id, position, meter_id, supply_point_id,
                meter_number, customer_code, amount, cis_reference)
            SELECT payment_id, 1, meter_id, supply_point_id, meter_number, customer_code, amount,
                reference
            FROM chosen
            """
        ).execution_options(preserve_rowcount=True),
        {"accounts": f"%@{EMAIL_DOMAIN}"},
    ).rowcount
    session.commit()
    session.execute(text("ANALYZE payments, payment_items, idempotency_keys"))
    session.commit()
    return int(written)


def ten_meter_account() -> tuple[int, int]:
    """Account 1 with nine more supply points claimed (beyond the registered ones): its id and
    the id of its first meter."""
    from sqlalchemy import select

    from ekesco_api.accounts.models import Account
    from ekesco_api.extensions import db
    from ekesco_api.meters import service as meter_service
    from ekesco_api.meters.models import Meter, SupplyPoint

    session = db.session()
    account = session.scalars(select(Account).where(Account.email_key == email_of(1))).one()
    meters = meter_service.list_meters(session, account_id=account.id)
    if len(meters) < TEN_METERS:
        spare = session.execute(
            select(SupplyPoint.customer_code, Meter.meter_number)
            .join(Meter, Meter.supply_point_id == SupplyPoint.id)
            .where(SupplyPoint.id > _last_registered() + 1000)
            .order_by(SupplyPoint.id)
            .limit(TEN_METERS * 2)
        ).all()
        taken: set[str] = set()
        for code, number in spare:
            if len(meters) >= TEN_METERS:
                break
            if code in taken:
                continue
            taken.add(code)
            meter_service.add_meter(
                session, account_id=account.id, customer_code=code, meter_number=number
            )
            meters = meter_service.list_meters(session, account_id=account.id)
    session.commit()
    return account.id, meters[0].id


def mint_tokens(first: int, count: int, out: Path) -> list[tuple[str, str]]:
    """Token pairs (access, refresh) of accounts first..first+count-1, one session each,
    written to `out` one pair per line (access<TAB>refresh) for wrk's and Locust's users."""
    from sqlalchemy import select

    from ekesco_api.accounts.models import Account
    from ekesco_api.auth.tokens import issue_token_pair
    from ekesco_api.extensions import db

    session = db.session()
    emails = [email_of(n) for n in range(first, first + count)]
    pairs: list[tuple[str, str]] = []
    for start in range(0, len(emails), 1000):
        chunk = emails[start : start + 1000]
        for account in session.scalars(select(Account).where(Account.email_key.in_(chunk))):
            pair = issue_token_pair(session, account=account)
            pairs.append((pair["access_token"], pair["refresh_token"]))
        session.commit()
    out.write_text("".join(f"{a}\t{r}\n" for a, r in pairs), encoding="utf-8")
    return pairs


def unregistered_codes(count: int) -> list[tuple[str, str]]:
    """Customer codes nobody registered yet, with their holder's personal number."""
    from sqlalchemy import select

    from ekesco_api.extensions import db
    from ekesco_api.meters.models import SupplyPoint

    rows: Any = db.session().execute(
        select(SupplyPoint.customer_code, SupplyPoint.personal_number)
        .where(SupplyPoint.personal_number.is_not(None), SupplyPoint.id > _last_registered() + 5000)
        .order_by(SupplyPoint.id)
        .limit(count)
    )
    return [(code, personal) for code, personal in rows]


def _last_registered() -> int:
    """The highest supply point id an account is on: those after it are nobody's yet."""
    from sqlalchemy import func, select

    from ekesco_api.accounts.models import Account
    from ekesco_api.extensions import db

    return int(db.session().scalar(select(func.max(Account.supply_point_id))) or 0)


def catch_up_schema() -> list[str]:
    """Bring a kept scale database to the models, as autogenerate would write it.

    Until the first release the schema is one initial revision rewritten in place, so `db
    upgrade` cannot move a database made by an older checkout; reloading 600,000 supply points
    for a new table would cost a quarter of an hour. Only for this benchmark's own database.
    """
    from alembic.autogenerate import produce_migrations
    from alembic.migration import MigrationContext
    from alembic.operations import Operations, ops

    import ekesco_api.models  # noqa: F401  (every table into the metadata)
    from ekesco_api.extensions import db

    done: list[str] = []
    with db.engine.begin() as connection:
        context = MigrationContext.configure(connection)
        operations = Operations(context)

        def run(operation: ops.MigrateOperation) -> None:
            if isinstance(operation, ops.ModifyTableOps):
                for inner in operation.ops:
                    run(inner)
                return
            operations.invoke(operation)
            done.append(type(operation).__name__)

        for operation in produce_migrations(context, db.metadata).upgrade_ops.ops:
            run(operation)
    return done


def own_meter(account_number: int) -> int:
    """The id of a meter on the n-th benchmark account's own supply point."""
    from sqlalchemy import select

    from ekesco_api.accounts.models import Account
    from ekesco_api.extensions import db
    from ekesco_api.meters.models import Meter

    meter_id = db.session().scalar(
        select(Meter.id)
        .join(Account, Account.supply_point_id == Meter.supply_point_id)
        .where(Account.email_key == email_of(account_number))
        .limit(1)
    )
    assert meter_id is not None, account_number
    return int(meter_id)
