"""The schedule stage: when to fetch a feed again. Pure functions of what the last fetch saw.

The rules follow the best feed readers (Miniflux, FreshRSS) and the publisher's wishes:

- A feed that says nothing is polled every 60 minutes.
- A feed that says how long its content stays fresh (HTTP `Cache-Control: max-age`, RSS
  `<ttl>`) is polled at that pace; when it says both, the longer one wins, since either is a
  request not to come back sooner.
- Whatever the feed says, never sooner than every 15 minutes (a publisher cannot make us
  hammer it or anyone else) and never later than every 24 hours (a subscription must not
  silently go stale).
- `Retry-After` (with 429 Too Many Requests or 503 Service Unavailable) is a promise not to
  come back before that time, so the next poll is at least that far away (within 24 hours).
- After consecutive failures the interval doubles each time: the normal interval after the
  first failure, twice that after the second, four times after the third, up to 24 hours.
- 410 Gone means the feed will never come back: the subscription is disabled (no next poll).
"""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_INTERVAL = timedelta(minutes=60)
MIN_INTERVAL = timedelta(minutes=15)
MAX_INTERVAL = timedelta(hours=24)


def _clamp(interval: timedelta) -> timedelta:
    return max(MIN_INTERVAL, min(MAX_INTERVAL, interval))


def _seconds(value: int) -> timedelta:
    # Remote servers can send absurd numbers; anything past the maximum means the maximum.
    return timedelta(seconds=min(value, int(MAX_INTERVAL.total_seconds())))


def regular_interval(
    *, max_age_seconds: int | None = None, ttl_minutes: int | None = None
) -> timedelta:
    """The interval between polls of a healthy feed, from what it says about freshness."""
    hints = [
        _seconds(max_age_seconds) if max_age_seconds else None,
        _seconds(ttl_minutes * 60) if ttl_minutes else None,
    ]
    given = [hint for hint in hints if hint is not None]
    return _clamp(max(given) if given else DEFAULT_INTERVAL)


def backoff_interval(interval: timedelta, consecutive_failures: int) -> timedelta:
    """The interval doubled for each failure after the first, at most 24 hours."""
    if consecutive_failures <= 1:
        return _clamp(interval)
    # Beyond 2**7 the product exceeds 24 hours whatever the interval, so stop doubling there.
    doublings = min(consecutive_failures - 1, 7)
    return _clamp(interval * (2**doublings))


def next_poll(
    now: datetime,
    *,
    max_age_seconds: int | None = None,
    ttl_minutes: int | None = None,
    retry_after_seconds: int | None = None,
    consecutive_failures: int = 0,
    gone: bool = False,
) -> datetime | None:
    """When to fetch again, or None when the feed is gone for good (410) and must stop."""
    if gone:
        return None
    interval = backoff_interval(
        regular_interval(max_age_seconds=max_age_seconds, ttl_minutes=ttl_minutes),
        consecutive_failures,
    )
    if retry_after_seconds:
        interval = max(interval, _clamp(_seconds(retry_after_seconds)))
    return now + interval
