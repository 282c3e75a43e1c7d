"""Settings read from AMICUS_* environment variables, with safe local defaults."""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from core.metrics import metrics_readers

DEVELOPMENT_SECRET_KEY = "amicus-development-key-do-not-use-in-production"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite://data/amicus.sqlite3"
REVIEW_POLICIES = ("none", "untrusted", "all")
# The aggregator never has more fetches in flight than this, whatever the per-host limit.
MAX_FETCHES_IN_FLIGHT = 16
# A production secret signs every session: at least this long and this unpredictable.
PRODUCTION_SECRET_MIN_LENGTH = 32
PRODUCTION_SECRET_MIN_BITS = 128


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_strength_bits(secret: str) -> float:
    """An upper estimate of the secret's entropy: its length times the Shannon entropy of
    its characters. Repeated or few distinct characters score low; a random token of 32
    bytes in base64 (43 characters) scores about 215 bits."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    per_character = -sum(
        (count / len(secret)) * math.log2(count / len(secret)) for count in counts.values()
    )
    return per_character * len(secret)


def _number(value: str) -> int:
    """A whole number, or -1 so that problems() reports the setting instead of crashing."""
    try:
        return int(value)
    except ValueError:
        return -1


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    env: str = "development"
    allow_private_addresses: bool = False
    # A reverse proxy in front terminates TLS, so an http:// base URL is still served as https.
    proxy_terminates_tls: bool = False
    aggregator_enabled: bool = True
    # ActivityPub actors, discovery, inboxes and deliveries (AMICUS_ACTIVITYPUB).
    activitypub_enabled: bool = True
    # The aggregator's fetches in flight to any one host (16 in flight overall at most).
    fetch_per_host: int = 4
    # Search results cached per process, keyed by the jobs data generation; off for benchmarks.
    search_cache: bool = True
    # Days the search change log keeps a change (jobs.search.fulltext.prune_change_log).
    search_log_days: int = 7
    # The folder of the search indexes, one sub-folder per database; empty: beside the SQLite
    # file, or under data/ for PostgreSQL (jobs.search.fulltext.index_directory).
    index_dir: str = ""
    network_name: str = "Innocence Network"
    # Which postings wait for an administrator: none, those of untrusted organizations, or all.
    review_policy: str = "untrusted"
    job_default_days: int = 90
    feed_max_age: int = 300
    max_body_bytes: int = 1024 * 1024
    smtp_url: str = ""
    mail_from: str = "amicus@localhost"
    # Who may read /metrics: off, on, or a comma-separated list of addresses/networks.
    metrics: str = "off"
    # Without AMICUS_SMTP_URL, mail is written here (relative to the project) and to the log.
    mail_dir: str = "data/mail"
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            return env.get(f"AMICUS_{name}", default)

        return cls(
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
            base_url=get("BASE_URL", cls.base_url).rstrip("/"),
            secret_key=get("SECRET_KEY", DEVELOPMENT_SECRET_KEY),
            env=get("ENV", "development"),
            allow_private_addresses=_flag(get("ALLOW_PRIVATE_ADDRESSES", "off")),
            proxy_terminates_tls=_flag(get("PROXY_TERMINATES_TLS", "off")),
            aggregator_enabled=_flag(get("AGGREGATOR", "on")),
            activitypub_enabled=_flag(get("ACTIVITYPUB", "on")),
            fetch_per_host=_number(get("FETCH_PER_HOST", str(cls.fetch_per_host))),
            search_cache=_flag(get("SEARCH_CACHE", "on")),
            search_log_days=_number(get("SEARCH_LOG_DAYS", str(cls.search_log_days))),
            index_dir=get("INDEX_DIR", cls.index_dir),
            network_name=get("NETWORK_NAME", cls.network_name),
            review_policy=get("REVIEW_POLICY", cls.review_policy),
            job_default_days=_number(get("JOB_DEFAULT_DAYS", str(cls.job_default_days))),
            feed_max_age=_number(get("FEED_MAX_AGE", str(cls.feed_max_age))),
            max_body_bytes=_number(get("MAX_BODY_BYTES", str(cls.max_body_bytes))),
            smtp_url=get("SMTP_URL", ""),
            mail_from=get("MAIL_FROM", cls.mail_from),
            metrics=get("METRICS", cls.metrics),
            mail_dir=get("MAIL_DIR", cls.mail_dir),
        )

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def served_over_https(self) -> bool:
        """Browsers reach the site over https: cookies are Secure and HSTS is sent."""
        return self.base_url.startswith("https://") or self.proxy_terminates_tls

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    def problems(self) -> list[str]:
        """Everything wrong with these settings, in words an operator can act on."""
        found = []
        if self.env not in ("development", "production"):
            found.append(f"AMICUS_ENV must be 'development' or 'production', not {self.env!r}.")
        if self.is_production and self.secret_key == DEVELOPMENT_SECRET_KEY:
            found.append("AMICUS_SECRET_KEY is the development key; set a secret of your own.")
        if len(self.secret_key) < 16:
            found.append("AMICUS_SECRET_KEY must be at least 16 characters long.")
        elif self.is_production and (
            len(self.secret_key) < PRODUCTION_SECRET_MIN_LENGTH
            or secret_strength_bits(self.secret_key) < PRODUCTION_SECRET_MIN_BITS
        ):
            found.append(
                f"AMICUS_SECRET_KEY is too weak for production: use at least "
                f"{PRODUCTION_SECRET_MIN_LENGTH} random characters, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
            )
        scheme = urlsplit(self.database_url).scheme
        if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg", "psycopg"):
            found.append(f"AMICUS_DATABASE_URL has an unsupported scheme {scheme!r}.")
        base = urlsplit(self.base_url)
        if base.scheme not in ("http", "https") or not base.netloc:
            found.append("AMICUS_BASE_URL must be an absolute http(s) URL.")
        elif self.is_production and base.scheme == "http" and not self.proxy_terminates_tls:
            found.append(
                "AMICUS_BASE_URL must be an https:// URL in production (sessions would travel "
                "in clear); if a proxy in front terminates TLS, set AMICUS_PROXY_TERMINATES_TLS=on."
            )
        if self.review_policy not in REVIEW_POLICIES:
            found.append(f"AMICUS_REVIEW_POLICY must be one of {', '.join(REVIEW_POLICIES)}.")
        if self.job_default_days < 1:
            found.append("AMICUS_JOB_DEFAULT_DAYS must be a positive number of days.")
        if self.search_log_days < 1:
            found.append("AMICUS_SEARCH_LOG_DAYS must be a positive number of days.")
        if self.max_body_bytes < 1024:
            found.append("AMICUS_MAX_BODY_BYTES must be at least 1024.")
        if self.feed_max_age < 60:
            found.append("AMICUS_FEED_MAX_AGE must be at least 60 seconds.")
        if not 1 <= self.fetch_per_host <= MAX_FETCHES_IN_FLIGHT:
            found.append(
                f"AMICUS_FETCH_PER_HOST must be a whole number from 1 to {MAX_FETCHES_IN_FLIGHT}."
            )
        try:
            metrics_readers(self.metrics)
        except ValueError:
            found.append(
                "AMICUS_METRICS must be off, on, or a comma-separated list of addresses "
                "or networks (e.g. 127.0.0.1,10.0.0.0/8)."
            )
        return found


class SettingsError(RuntimeError):
    """Raised when the application is asked to start with settings it refuses."""
