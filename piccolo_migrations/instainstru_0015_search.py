"""Written by hand: indexes for search and kids discovery (app/search/query.py, app/catalog/discovery.py):
offers by service (a search for one service, a context list), the live instructors, and offers to
kids. Core PostgreSQL only (GIN over arrays is built in). The Kids category is computed now: the
services an earlier seed put under it move to real categories (app/catalog/seed.py; nothing to move
in a new database, whose seed runs after the migrations)."""

from app.core.migrations import statements_migration

ID = "2026-12-11T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search indexes"

STATEMENTS = [
    "CREATE INDEX instructor_services_by_service ON instructor_services (service, hourly_rate_cents, instructor)",
    "CREATE INDEX instructor_services_age_groups ON instructor_services USING gin (age_groups)",
    "CREATE INDEX onboarding_states_live ON onboarding_states (instructor) WHERE is_live",
    """UPDATE services SET category = home.id FROM categories home, categories kids
       WHERE kids.slug = 'kids' AND services.category = kids.id
         AND services.slug IN ('chess', 'coding-for-kids', 'swimming')
         AND home.slug = CASE services.slug WHEN 'swimming' THEN 'fitness' ELSE 'tutoring' END""",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
