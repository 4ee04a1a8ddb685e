"""What the platform keeps of Stripe: each student's customer and cards, the webhook events already
applied, instructors' connected accounts and their payouts. Every state column has one enum here
(the CHECKs of piccolo_migrations/instainstru_0009_stripe.py are generated from them), listed in
the order a state may move: app.payments.webhooks.move_forward never moves one back."""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class ConnectedAccountStatus(StrEnum):
    # Created, onboarding not finished (details not submitted).
    pending = "pending"
    # Submitted, but Stripe holds charges or payouts back until it gets what it asks for.
    restricted = "restricted"
    active = "active"


class PayoutMethod(StrEnum):
    standard = "standard"
    instant = "instant"


class PayoutStatus(StrEnum):
    """Stripe's payout statuses, in the order they move (a paid payout may still fail later)."""

    pending = "pending"
    in_transit = "in_transit"
    paid = "paid"
    failed = "failed"


class StripeCustomer(Table, tablename="stripe_customers"):
    """One per student, made once under the idempotency key `user:{id}:customer`."""

    user = ForeignKey(references=User, unique=True)
    customer_id = Varchar(length=255, unique=True)
    created_at = Timestamptz()


class PaymentMethod(Table, tablename="payment_methods"):
    """A student's saved card; the newest one not removed is the default."""

    user = ForeignKey(references=User)
    stripe_payment_method_id = Varchar(length=255, unique=True)
    brand = Varchar(length=32)
    last4 = Varchar(length=4)
    exp_month = Integer()
    exp_year = Integer()
    # The same card number has the same fingerprint whatever pm_ id it comes with (referrals compare them).
    fingerprint = Varchar(length=255)
    created_at = Timestamptz()
    removed_at = Timestamptz(null=True, default=None)


class StripeEvent(Table, tablename="stripe_events"):
    """A webhook event already applied: inserted in the same transaction as its effect."""

    id = Varchar(length=255, primary_key=True)
    type = Varchar(length=255)
    created = Timestamptz()  # the event's own `created`
    received_at = Timestamptz()


class ConnectedAccount(Table, tablename="connected_accounts"):
    """An instructor's Connect Express account, as its latest account.updated says."""

    instructor = ForeignKey(references=User, unique=True)
    account_id = Varchar(length=255, unique=True)
    status = Varchar(length=20)  # ConnectedAccountStatus
    charges_enabled = Boolean(default=False)
    payouts_enabled = Boolean(default=False)
    details_submitted = Boolean(default=False)
    # What Stripe still asks for (requirements.currently_due), for the onboarding checklist.
    currently_due = Text(default="")
    # The `created` of the event the state came from: an older event never overwrites a newer one.
    state_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Payout(Table, tablename="payouts"):
    instructor = ForeignKey(references=User)
    stripe_payout_id = Varchar(length=255, unique=True, null=True, default=None)
    amount_cents = Integer()
    fee_cents = Integer(default=0)
    method = Varchar(length=20)  # PayoutMethod
    status = Varchar(length=20)  # PayoutStatus
    failure_code = Varchar(length=255, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
