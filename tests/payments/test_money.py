from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.payments.money import divide_half_up, dollars, lesson_price, platform_fee
from app.settings import InvalidSetting, Settings

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rate", "minutes", "price"),
    [(6000, 60, 6000), (6000, 30, 3000), (4550, 45, 3413), (4545, 45, 3409), (1, 30, 1), (1, 15, 0), (333, 90, 500)],
)
def test_price_is_rate_times_duration_over_60_rounded_half_up(rate, minutes, price):
    # 4550 x 45 / 60 = 3412.5 -> 3413; 4545 x 45 / 60 = 3408.75 -> 3409; 1 x 30 / 60 = 0.5 -> 1
    assert lesson_price(rate, START, START + timedelta(minutes=minutes)) == price


@pytest.mark.parametrize(("price", "percent", "fee"), [(6000, 15, 900), (10, 15, 2), (3413, 15, 512), (9, 15, 1)])
def test_platform_fee_rounds_half_up(price, percent, fee):
    # 10 x 15% = 1.5 -> 2; 3413 x 15% = 511.95 -> 512; 9 x 15% = 1.35 -> 1
    assert platform_fee(price, percent) == fee


def test_half_up_in_integers():
    assert [divide_half_up(n, 2) for n in (1, 2, 3, 5)] == [1, 1, 2, 3]


def test_dollars():
    assert [dollars(c) for c in (0, 5, 4000, 123456)] == ["$0.00", "$0.05", "$40.00", "$1,234.56"]


def test_platform_fee_percent_setting():
    assert Settings.from_env({}).platform_fee_percent == 15
    assert Settings.from_env({"PLATFORM_FEE_PERCENT": "20"}).platform_fee_percent == 20
    with pytest.raises(InvalidSetting):
        Settings.from_env({"PLATFORM_FEE_PERCENT": "120"})
