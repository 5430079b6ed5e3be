"""Demurrage rules: periods, the charge of a period, rounding down, references."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.currencies.demurrage import charge, period_charge, period_of, reference, year_days


def test_a_daily_period_is_the_day_itself():
    period = period_of(date(2026, 3, 5), "daily")
    assert (period.start, period.end, period.label, period.days) == (
        date(2026, 3, 5), date(2026, 3, 6), "2026-03-05", 1)


def test_a_monthly_period_is_the_calendar_month_containing_the_date():
    period = period_of(date(2024, 2, 17), "monthly")
    assert (period.start, period.end, period.label, period.days) == (
        date(2024, 2, 1), date(2024, 3, 1), "2024-02", 29)
    assert period_of(date(2026, 12, 31), "monthly").end == date(2027, 1, 1)


def test_a_weekly_period_is_the_iso_week_from_monday():
    period = period_of(date(2026, 12, 3), "weekly")
    assert (period.start, period.end, period.label) == (
        date(2026, 11, 30), date(2026, 12, 7), "2026-W49")


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError):
        period_of(date(2026, 1, 1), "hourly")


def test_a_leap_year_has_366_days():
    assert (year_days(date(2024, 6, 1)), year_days(date(2026, 6, 1))) == (366, 365)


def test_the_charge_is_the_yearly_rate_on_what_stands_above_the_free_base_pro_rata():
    # 1,000.00 above a 100.00 base at 5 % a year, for 30 days of 365: 4.1095... -> 4.10
    assert charge(110_000, 10_000, 500, 30, 365) == 410


def test_the_charge_is_rounded_down_to_the_minor_unit():
    assert charge(1_000, 0, 100, 1, 365) == 0  # 0.0027 minor units
    assert charge(36_500, 0, 10_000, 1, 365) == 100


def test_nothing_is_charged_at_or_below_the_free_base():
    assert charge(10_000, 10_000, 500, 30, 365) == 0
    assert charge(-5_000, 0, 500, 30, 365) == 0


def test_a_year_of_monthly_charges_never_exceeds_the_yearly_rate():
    months = [period_of(date(2026, m, 1), "monthly") for m in range(1, 13)]
    total = sum(period_charge(1_000_000, 0, 1_200, p) for p in months)
    assert total <= 1_000_000 * 1_200 // 10_000 and total >= 120_000 - 12


@given(st.integers(-10**12, 10**12), st.integers(0, 10**9), st.integers(0, 10_000),
       st.integers(1, 31))
def test_a_charge_is_never_negative_nor_more_than_what_stands_above_the_base(
        balance, base, rate, days):
    amount = charge(balance, base, rate, days, 365)
    assert 0 <= amount <= max(balance - base, 0)


def test_the_reference_names_currency_period_and_account():
    assert reference("EUSKO", period_of(date(2026, 1, 9), "monthly"), 42) == \
        "demurrage:EUSKO:2026-01:42"
