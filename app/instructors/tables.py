from piccolo.columns import ForeignKey, Integer
from piccolo.table import Table

from app.accounts.tables import User


class AvailabilitySettings(Table, tablename="availability_settings"):
    instructor = ForeignKey(references=User, unique=True)
    min_notice_minutes = Integer(default=120)
    buffer_minutes = Integer(default=0)
    hold_minutes = Integer(default=10)
