from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class CalendarFeed(Table, tablename="calendar_feeds"):
    """One secret URL per user: its token is HMAC(SECRET_KEY, user and `seed`) and only the token's
    sha256 is kept, so the database alone cannot leak it (app/feeds/service.py)."""

    user = ForeignKey(references=User, unique=True)
    token_hash = Varchar(length=64, unique=True)
    # Null for a URL made before seeds were kept: it works, but cannot be shown again.
    seed = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz()
