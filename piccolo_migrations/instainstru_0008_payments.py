"""Written by hand: payments, the credits ledger and its never-negative balance, booking prices.

The ledger is append-only and its balance can never go below zero, in the database: a trigger on
each new entry adds it to credit_balances, whose CHECK refuses a negative balance (so a spend
racing another spend of the same balance fails, and its whole transaction with it); other
triggers refuse UPDATE and DELETE of entries and any write to credit_balances but the first
trigger's. The state CHECKs are generated from the enums, as in 0006.
"""

from app.bookings.tables import CancelOutcome
from app.core.migrations import one_of, statements_migration
from app.payments.tables import CreditKind, PaymentStatus

ID = "2026-12-04T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "payments, credit entries and balances, booking prices"


STATEMENTS = [
    "ALTER TABLE bookings ADD COLUMN price_cents integer NOT NULL DEFAULT 0 "
    "CONSTRAINT bookings_price_cents_check CHECK (price_cents >= 0)",
    # Bookings made before prices: their offer's rate for their length, rounded half up.
    """UPDATE bookings b SET price_cents = (
           s.hourly_rate_cents::bigint * extract(epoch FROM b.end_at - b.start_at)::bigint + 1800) / 3600
       FROM instructor_services s WHERE s.instructor = b.instructor AND s.service = b.service""",
    "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_cancel_outcome_check",
    "ALTER TABLE bookings ADD CONSTRAINT bookings_cancel_outcome_check "
    f"CHECK (cancel_outcome IN ({one_of(CancelOutcome)}))",
    f"""CREATE TABLE payments (
        id serial PRIMARY KEY,
        booking integer NOT NULL UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,
        status varchar(20) NOT NULL CONSTRAINT payments_status_check CHECK (status IN ({one_of(PaymentStatus)})),
        amount_cents integer NOT NULL CHECK (amount_cents >= 0),
        credits_applied_cents integer NOT NULL CHECK (credits_applied_cents >= 0),
        card_amount_cents integer NOT NULL CHECK (card_amount_cents >= 0),
        authorize_at timestamptz,
        authorize_attempt integer NOT NULL DEFAULT 0 CHECK (authorize_attempt >= 0),
        next_attempt_at timestamptz,
        payment_intent_id varchar(255) UNIQUE,
        capture_due_at timestamptz,
        captured_cents integer NOT NULL DEFAULT 0 CHECK (captured_cents BETWEEN 0 AND card_amount_cents),
        refunded_cents integer NOT NULL DEFAULT 0 CHECK (refunded_cents BETWEEN 0 AND captured_cents),
        credited_cents integer NOT NULL DEFAULT 0 CHECK (credited_cents BETWEEN 0 AND amount_cents),
        fee_cents integer NOT NULL DEFAULT 0 CHECK (fee_cents BETWEEN 0 AND amount_cents),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT payments_split_check CHECK (credits_applied_cents + card_amount_cents = amount_cents)
    )""",
    # What the worker's sweep asks: which authorizations, retries and captures are due.
    "CREATE INDEX payments_authorize_due ON payments (authorize_at) WHERE status = 'scheduled'",
    "CREATE INDEX payments_retry_due ON payments (next_attempt_at) WHERE status = 'failed'",
    "CREATE INDEX payments_capture_due ON payments (capture_due_at) WHERE capture_due_at IS NOT NULL",
    # Every booking made before payments: a payment row with what it would have had (no credits).
    """INSERT INTO payments (booking, status, amount_cents, credits_applied_cents, card_amount_cents,
                             authorize_at, created_at, updated_at)
       SELECT id, CASE WHEN status IN ('cancelled', 'completed') THEN 'released'
                       WHEN price_cents = 0 THEN 'not_needed' ELSE 'scheduled' END,
              price_cents, 0, price_cents, start_at - interval '24 hours', created_at, updated_at
       FROM bookings""",
    f"""CREATE TABLE credit_entries (
        id serial PRIMARY KEY,
        "user" integer NOT NULL REFERENCES users (id),
        amount_cents integer NOT NULL,
        kind varchar(20) NOT NULL CONSTRAINT credit_entries_kind_check CHECK (kind IN ({one_of(CreditKind)})),
        booking integer REFERENCES bookings (id),
        reason text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL,
        CONSTRAINT credit_entries_sign_check CHECK (
            amount_cents <> 0 AND CASE kind WHEN 'spend' THEN amount_cents < 0
                                            WHEN 'goodwill' THEN true ELSE amount_cents > 0 END)
    )""",
    'CREATE INDEX credit_entries_user ON credit_entries ("user", id DESC)',
    """CREATE TABLE credit_balances (
        id serial PRIMARY KEY,
        "user" integer NOT NULL UNIQUE REFERENCES users (id),
        balance_cents integer NOT NULL CONSTRAINT credit_balances_never_negative CHECK (balance_cents >= 0)
    )""",
    # The UPDATE locks the balance row and re-reads it: concurrent entries queue and add up, and the
    # CHECK sees each sum (a CHECK on INSERT ... ON CONFLICT would judge the entry alone).
    """CREATE FUNCTION credit_entries_add_to_balance() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           INSERT INTO credit_balances ("user", balance_cents) VALUES (NEW."user", 0) ON CONFLICT ("user") DO NOTHING;
           UPDATE credit_balances SET balance_cents = balance_cents + NEW.amount_cents WHERE "user" = NEW."user";
           RETURN NEW;
       END $$""",
    """CREATE TRIGGER credit_entries_add_to_balance AFTER INSERT ON credit_entries
       FOR EACH ROW EXECUTE FUNCTION credit_entries_add_to_balance()""",
    """CREATE FUNCTION credit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           RAISE EXCEPTION 'credit entries are append-only: add an entry instead'
               USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER credit_entries_append_only BEFORE UPDATE OR DELETE ON credit_entries
       FOR EACH ROW EXECUTE FUNCTION credit_entries_append_only()""",
    """CREATE TRIGGER credit_entries_no_truncate BEFORE TRUNCATE ON credit_entries
       FOR EACH STATEMENT EXECUTE FUNCTION credit_entries_append_only()""",
    # The balance is the entries' sum: only the entry trigger (depth > 1) may write it.
    """CREATE FUNCTION credit_balances_from_entries_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           IF pg_trigger_depth() < 2 THEN
               RAISE EXCEPTION 'credit balances follow credit entries: add an entry instead'
                   USING ERRCODE = 'restrict_violation';
           END IF;
           RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
       END $$""",
    """CREATE TRIGGER credit_balances_from_entries_only BEFORE INSERT OR UPDATE OR DELETE ON credit_balances
       FOR EACH ROW EXECUTE FUNCTION credit_balances_from_entries_only()""",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
