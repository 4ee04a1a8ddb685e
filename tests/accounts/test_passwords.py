from __future__ import annotations

import pytest

from app.accounts.passwords import MAX_LENGTH, password_problem
from app.demo import PASSWORD as DEMO_PASSWORD
from tests.support.accounts import PASSWORD as SUITE_PASSWORD

DEMO_ACCOUNTS = [
    ("instructor@demo.test", "Ada Piano"),
    ("manager@demo.test", "Sam Studio"),
    ("student@demo.test", "Leo Student"),
]


@pytest.mark.parametrize(("email", "name"), DEMO_ACCOUNTS)
def test_the_demo_password_passes_for_every_demo_account(email, name):
    assert password_problem(DEMO_PASSWORD, email, name) is None


def test_the_suites_password_passes():
    assert password_problem(SUITE_PASSWORD, "student1@example.test", "Student 1") is None


@pytest.mark.parametrize(
    "password",
    ["ada.lovelace@example.test", "adalovelace", "lovelace1815", "Lovelace!"],
)
def test_the_accounts_own_email_and_name_make_a_weak_password(password):
    problem = password_problem(password, "ada.lovelace@example.test", "Ada Lovelace")
    assert problem.startswith("Too easy to guess: It contains your email or name."), problem


def test_length_bounds_come_before_scoring():
    assert password_problem("Xk9#q2", "a@example.test", "A") == "Must be at least 8 characters"
    too_long = SUITE_PASSWORD * (MAX_LENGTH // len(SUITE_PASSWORD) + 1)
    assert password_problem(too_long, "a@example.test", "A") == f"Must be at most {MAX_LENGTH} characters"
