from piccolo.columns import Array, ForeignKey, Integer, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class Category(Table, tablename="categories"):
    slug = Varchar(length=80, unique=True)
    name = Varchar(length=120)
    icon = Varchar(length=40)
    subtitle = Varchar(length=200)
    display_order = Integer()


class Service(Table, tablename="services"):
    category = ForeignKey(references=Category)
    slug = Varchar(length=80, unique=True)
    name = Varchar(length=120)


class InstructorService(Table, tablename="instructor_services"):
    instructor = ForeignKey(references=User)
    service = ForeignKey(references=Service)
    hourly_rate_cents = Integer()
    durations_minutes = Array(base_column=Integer())
    age_groups = Array(base_column=Varchar(length=20))
    locations = Array(base_column=Varchar(length=40))
