from piccolo.columns import ForeignKey, Integer, Text, Timestamptz
from piccolo.table import Table

from app.accounts.tables import User
from app.bookings.tables import Booking


class Review(Table, tablename="reviews"):
    """One per completed lesson (UNIQUE booking); a trigger keeps review_summaries in step."""

    booking = ForeignKey(references=Booking, unique=True)
    instructor = ForeignKey(references=User)
    student = ForeignKey(references=User)
    rating = Integer()  # 1-5 (CHECK)
    text = Text(default="")
    response = Text(null=True, default=None)
    responded_at = Timestamptz(null=True, default=None)
    # Hidden by an admin: out of the list and the average (the trigger subtracts it).
    hidden_at = Timestamptz(null=True, default=None)
    hidden_reason = Text(null=True, default=None)
    created_at = Timestamptz()


class ReviewSummary(Table, tablename="review_summaries"):
    """Written only by the trigger on reviews: visible reviews' count and rating sum per instructor."""

    instructor = ForeignKey(references=User, unique=True)
    review_count = Integer()
    rating_sum = Integer()
