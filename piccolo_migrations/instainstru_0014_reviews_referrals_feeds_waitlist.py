"""Written by hand: reviews with their per-instructor summary kept by a trigger, referral codes and
referrals, calendar feeds (token hashes) and waitlist entries (issue 13 items 4-7)."""

from app.core.migrations import one_of, statements_migration
from app.referrals.tables import NoReward

ID = "2026-12-10T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reviews, referrals, calendar feeds, waitlist"


STATEMENTS = [
    """CREATE TABLE reviews (
        id serial PRIMARY KEY,
        booking integer NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
        instructor integer NOT NULL REFERENCES users (id),
        student integer NOT NULL REFERENCES users (id),
        rating integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
        text text NOT NULL DEFAULT '' CHECK (char_length(text) <= 2000),
        response text CHECK (char_length(response) BETWEEN 1 AND 2000),
        responded_at timestamptz,
        hidden_at timestamptz,
        hidden_reason text,
        created_at timestamptz NOT NULL,
        CONSTRAINT reviews_one_per_booking UNIQUE (booking),
        CONSTRAINT reviews_response_once CHECK ((response IS NULL) = (responded_at IS NULL))
    )""",
    "CREATE INDEX reviews_visible_by_instructor ON reviews (instructor, id DESC) WHERE hidden_at IS NULL",
    """CREATE TABLE review_summaries (
        id serial PRIMARY KEY,
        instructor integer NOT NULL UNIQUE REFERENCES users (id),
        review_count integer NOT NULL CHECK (review_count >= 0),
        rating_sum integer NOT NULL CHECK (rating_sum >= 0)
    )""",
    # The summary follows the visible reviews in the reviewing transaction: the upsert locks the
    # instructor's row, so concurrent reviews add up instead of overwriting each other.
    """CREATE FUNCTION reviews_keep_summary() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           IF TG_OP = 'INSERT' AND NEW.hidden_at IS NULL THEN
               INSERT INTO review_summaries (instructor, review_count, rating_sum)
               VALUES (NEW.instructor, 1, NEW.rating)
               ON CONFLICT (instructor) DO UPDATE SET review_count = review_summaries.review_count + 1,
                   rating_sum = review_summaries.rating_sum + NEW.rating;
           ELSIF TG_OP = 'UPDATE' AND OLD.hidden_at IS NULL AND NEW.hidden_at IS NOT NULL THEN
               UPDATE review_summaries SET review_count = review_count - 1, rating_sum = rating_sum - OLD.rating
               WHERE instructor = OLD.instructor;
           ELSIF TG_OP = 'UPDATE' AND OLD.hidden_at IS NOT NULL AND NEW.hidden_at IS NULL THEN
               RAISE EXCEPTION 'a hidden review stays hidden' USING ERRCODE = 'restrict_violation';
           ELSIF TG_OP = 'UPDATE' AND OLD.rating <> NEW.rating THEN
               RAISE EXCEPTION 'a review''s rating does not change' USING ERRCODE = 'restrict_violation';
           END IF;
           RETURN NULL;
       END $$""",
    """CREATE TRIGGER reviews_keep_summary AFTER INSERT OR UPDATE ON reviews
       FOR EACH ROW EXECUTE FUNCTION reviews_keep_summary()""",
    """CREATE TABLE referral_codes (
        id serial PRIMARY KEY,
        "user" integer NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        code varchar(16) NOT NULL UNIQUE CHECK (code = upper(code)),
        created_at timestamptz NOT NULL
    )""",
    f"""CREATE TABLE referrals (
        id serial PRIMARY KEY,
        referrer integer NOT NULL REFERENCES users (id),
        referred integer NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        first_booking integer UNIQUE REFERENCES bookings (id),
        referred_credit_cents integer NOT NULL DEFAULT 0 CHECK (referred_credit_cents >= 0),
        referrer_credit_cents integer NOT NULL DEFAULT 0 CHECK (referrer_credit_cents >= 0),
        no_reward varchar(20) CONSTRAINT referrals_no_reward_check CHECK (no_reward IN ({one_of(NoReward)})),
        created_at timestamptz NOT NULL,
        CHECK (referrer <> referred)
    )""",
    "CREATE INDEX referrals_by_referrer ON referrals (referrer)",
    """CREATE TABLE calendar_feeds (
        id serial PRIMARY KEY,
        "user" integer NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        token_hash varchar(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL
    )""",
    """CREATE TABLE waitlist_entries (
        id serial PRIMARY KEY,
        student integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        instructor integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 15 AND 240 AND duration_minutes % 15 = 0),
        known_open timestamptz[] NOT NULL DEFAULT '{}',
        last_notified_at timestamptz,
        created_at timestamptz NOT NULL,
        CHECK (window_end > window_start AND window_end - window_start <= interval '14 days')
    )""",
    "CREATE INDEX waitlist_entries_by_instructor ON waitlist_entries (instructor, window_end)",
    "CREATE INDEX waitlist_entries_by_student ON waitlist_entries (student, id)",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
