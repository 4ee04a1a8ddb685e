from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.table import Table


class User(Table, tablename="users"):
    # Stored lower-cased: emails compare case-insensitively.
    email = Varchar(length=320, unique=True)
    password_hash = Text()
    full_name = Varchar(length=200)
    role = Varchar(length=20)  # student | instructor | admin
    timezone = Varchar(length=64)
    created_at = Timestamptz()


class RevokedToken(Table, tablename="revoked_tokens"):
    """Logged-out tokens until they would have expired anyway. Kept in PostgreSQL, not Redis, so
    authentication keeps working while Redis is away."""

    token_id = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
