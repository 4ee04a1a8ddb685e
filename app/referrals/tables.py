from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.bookings.tables import Booking


class ReferralCode(Table, tablename="referral_codes"):
    user = ForeignKey(references=User, unique=True)
    code = Varchar(length=16, unique=True)  # upper case; compared case-insensitively
    created_at = Timestamptz()


class NoReward(StrEnum):
    """Why a referral earns nothing (a CHECK holds the column to these)."""

    # The referred email is the referrer's under another alias (plus-addressing, gmail dots).
    same_email = "same_email"
    # The referred student's card has the fingerprint of one of the referrer's cards.
    same_card = "same_card"


class Referral(Table, tablename="referrals"):
    """One per referred user (UNIQUE referred): nothing is ever rewarded twice for one student."""

    referrer = ForeignKey(references=User)
    referred = ForeignKey(references=User, unique=True)
    # The referred student's first booking, set once when it is made (credited or not).
    first_booking = ForeignKey(references=Booking, null=True, default=None)
    referred_credit_cents = Integer(default=0)
    referrer_credit_cents = Integer(default=0)
    no_reward = Varchar(length=20, null=True, default=None)  # NoReward
    created_at = Timestamptz()
