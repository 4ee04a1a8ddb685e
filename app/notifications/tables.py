from piccolo.columns import JSONB, ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class Notification(Table, tablename="notifications"):
    user = ForeignKey(references=User)
    type = Varchar(length=60)
    title = Varchar(length=200)
    body = Text()
    data = JSONB()
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)
