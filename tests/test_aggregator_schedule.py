"""When a feed is fetched again: the polling rules of the aggregator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feeds.aggregate.schedule import backoff_interval, next_poll, regular_interval

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_feed_that_says_nothing_is_polled_hourly() -> None:
    assert next_poll(NOW) == NOW + HOUR


def test_cache_max_age_and_ttl_set_the_pace_the_longer_winning() -> None:
    assert regular_interval(max_age_seconds=2 * 3600) == 2 * HOUR
    assert regular_interval(ttl_minutes=30) == timedelta(minutes=30)
    assert regular_interval(max_age_seconds=1800, ttl_minutes=90) == timedelta(minutes=90)


def test_never_sooner_than_fifteen_minutes() -> None:
    assert regular_interval(max_age_seconds=60) == timedelta(minutes=15)
    assert regular_interval(ttl_minutes=1) == timedelta(minutes=15)
    assert next_poll(NOW, retry_after_seconds=5) == NOW + HOUR


def test_never_later_than_a_day() -> None:
    assert regular_interval(ttl_minutes=7 * 24 * 60) == timedelta(hours=24)
    assert regular_interval(max_age_seconds=10**30) == timedelta(hours=24)
    assert next_poll(NOW, retry_after_seconds=10**30) == NOW + timedelta(hours=24)


def test_retry_after_is_respected() -> None:
    assert next_poll(NOW, retry_after_seconds=3 * 3600, consecutive_failures=1) == NOW + 3 * HOUR


@pytest.mark.parametrize(
    ("failures", "hours"), [(0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 24), (60, 24)]
)
def test_failures_back_off_by_doubling_up_to_a_day(failures: int, hours: int) -> None:
    assert backoff_interval(HOUR, failures) == timedelta(hours=hours)
    assert next_poll(NOW, consecutive_failures=failures) == NOW + timedelta(hours=hours)


def test_back_off_doubles_from_the_feeds_own_interval() -> None:
    assert next_poll(NOW, ttl_minutes=30, consecutive_failures=3) == NOW + 2 * HOUR


def test_a_feed_that_is_gone_is_not_polled_again() -> None:
    assert next_poll(NOW, gone=True) is None
