"""Written by hand: what the platform keeps of Stripe (app/payments/stripe_tables.py).

Students' Stripe customers and saved cards (with the card fingerprint), the webhook events already
applied (the event id is the primary key: an event takes effect once), instructors' connected
accounts and their payouts. The state CHECKs are generated from the enums, as in 0006.
"""

from app.core.migrations import one_of, statements_migration
from app.payments.stripe_tables import ConnectedAccountStatus, PayoutMethod, PayoutStatus

ID = "2026-12-05T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "stripe customers, payment methods, stripe events, connected accounts, payouts"


STATEMENTS = [
    """CREATE TABLE stripe_customers (
        id serial PRIMARY KEY,
        "user" integer NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        customer_id varchar(255) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL
    )""",
    """CREATE TABLE payment_methods (
        id serial PRIMARY KEY,
        "user" integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        stripe_payment_method_id varchar(255) NOT NULL UNIQUE,
        brand varchar(32) NOT NULL,
        last4 varchar(4) NOT NULL,
        exp_month integer NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
        exp_year integer NOT NULL,
        fingerprint varchar(255) NOT NULL,
        created_at timestamptz NOT NULL,
        removed_at timestamptz
    )""",
    # The default card is the newest one not removed.
    'CREATE INDEX payment_methods_saved ON payment_methods ("user", id DESC) WHERE removed_at IS NULL',
    "CREATE INDEX payment_methods_fingerprint ON payment_methods (fingerprint)",
    """CREATE TABLE stripe_events (
        id varchar(255) PRIMARY KEY,
        type varchar(255) NOT NULL,
        created timestamptz NOT NULL,
        received_at timestamptz NOT NULL
    )""",
    f"""CREATE TABLE connected_accounts (
        id serial PRIMARY KEY,
        instructor integer NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        account_id varchar(255) NOT NULL UNIQUE,
        status varchar(20) NOT NULL
            CONSTRAINT connected_accounts_status_check CHECK (status IN ({one_of(ConnectedAccountStatus)})),
        charges_enabled boolean NOT NULL DEFAULT false,
        payouts_enabled boolean NOT NULL DEFAULT false,
        details_submitted boolean NOT NULL DEFAULT false,
        currently_due text NOT NULL DEFAULT '',
        state_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    )""",
    f"""CREATE TABLE payouts (
        id serial PRIMARY KEY,
        instructor integer NOT NULL REFERENCES users (id),
        stripe_payout_id varchar(255) UNIQUE,
        amount_cents integer NOT NULL CHECK (amount_cents > 0),
        fee_cents integer NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
        method varchar(20) NOT NULL CONSTRAINT payouts_method_check CHECK (method IN ({one_of(PayoutMethod)})),
        status varchar(20) NOT NULL CONSTRAINT payouts_status_check CHECK (status IN ({one_of(PayoutStatus)})),
        failure_code varchar(255),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    )""",
    "CREATE INDEX payouts_instructor ON payouts (instructor, id DESC)",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
