"""Subscribing, confirming, unsubscribing, and the run that mails each due alert its news.

An alert sends the jobs that match its saved search *at send time* (through
jobs.search.search_jobs, so visibility is jobs.lifecycle's rule: never a closed, filled,
expired or removed job, nor one of a suspended organization), posted since it was
confirmed, that it has never sent before; newest first; never an empty mail. The mail and
the record of the jobs it carries commit together.

A run pages through the search (newest first) down to the alert's start, so no number of new
matches between two runs loses any: a mail lists the newest MAIL_MAX_JOBS and says how many
more there are, with a link to the search, and all of them count as sent. Only a search
with more than SCAN_MAX_PAGES pages of matches since the alert started is read no further
(its mail then says "and more"). Each alert is run under a lease (core.work_queue), so two
processes never run one alert at the same time.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from alerts.models import Alert, AlertSentJob, AlertState, Frequency
from core import work_queue
from core.i18n import LANGUAGES, current_language, in_language
from core.i18n import gettext as _
from core.orm_internals import insert_sql, to_db_value, update_sql
from core.security import new_secret, sha256_hex
from core.settings import Settings
from core.urls import Urls
from core.validation import Cleaner
from directory import throttle
from directory.accounts import normalized_email
from directory.throttle import Limit
from jobs.labels import salary_text
from jobs.models import Job
from jobs.search.engine import search_jobs
from jobs.search.fulltext import SearchIndexes
from jobs.search.params import MAX_PER_PAGE, job_query_to_params, parse_job_query
from mail.models import MailState, OutboxMessage
from mail.outbox import enqueue

CONFIRM_PER_EMAIL = Limit("alert-confirm/email", 3, 60 * 60)
CONFIRM_PER_CLIENT = Limit("alert-confirm/client", 20, 60 * 60)
MAX_ALERTS_PER_ADDRESS = 10
CONFIRM_LIFETIME = timedelta(days=2)
RUN_INTERVAL = {
    # Immediate alerts gather what arrived in the last few minutes into one mail.
    Frequency.IMMEDIATE: timedelta(minutes=5),
    Frequency.DAILY: timedelta(days=1),
    Frequency.WEEKLY: timedelta(days=7),
}
RUN_BATCH = 200
# Job ids per query when looking up what a batch of alerts has already sent.
SENT_LOOKUP_CHUNK = 2000
# Alert mails committed together: one commit (a disk sync) for many alerts.
MAILS_PER_TRANSACTION = 50
# The jobs one mail lists; the rest are counted, with a link to the search.
MAIL_MAX_JOBS = 50
# Pages of MAX_PER_PAGE matches read per saved search and run.
SCAN_MAX_PAGES = 10
# Longer than one alert's run takes; a process that dies holding one frees it after this.
RUN_LEASE_SECONDS = 300


class AlertLinkUnusable(Exception):
    """The confirmation or unsubscribe link is unknown, used up or expired."""


def _signer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="amicus-alert")


def unsubscribe_token(settings: Settings, alert: Alert) -> str:
    return _signer(settings).dumps(alert.id)


def manage_token(settings: Settings, email: str) -> str:
    return URLSafeSerializer(settings.secret_key, salt="amicus-alerts-of").dumps(email)


def email_from_token(settings: Settings, token: str) -> str:
    try:
        email = URLSafeSerializer(settings.secret_key, salt="amicus-alerts-of").loads(token)
    except BadSignature as error:
        raise AlertLinkUnusable(_("This link is not valid.")) from error
    if not isinstance(email, str):
        raise AlertLinkUnusable(_("This link is not valid."))
    return email


async def change_alert(settings: Settings, token: str, data: dict[str, Any]) -> None:
    """From the manage page: a new frequency for one of the address's alerts, or its end."""
    email = email_from_token(settings, token)
    cleaner = Cleaner(data)
    alert_id = cleaner.text("alert", max_length=19, required=True)
    action = cleaner.text("action", max_length=20, required=True)
    frequency = cleaner.choice("frequency", Frequency, required=False)
    if alert_id and not alert_id.isdigit():
        cleaner.fail("alert", _("This link is not valid."))
    cleaner.raise_if_invalid()
    alerts = Alert.filter(id=int(alert_id), email=email)
    if action == "delete":
        await alerts.delete()
    elif frequency is not None:
        await alerts.update(frequency=frequency)


def alert_from_token(settings: Settings, token: str) -> int:
    try:
        alert_id = _signer(settings).loads(token)
    except BadSignature as error:
        raise AlertLinkUnusable(_("This link is not valid.")) from error
    if not isinstance(alert_id, int):
        raise AlertLinkUnusable(_("This link is not valid."))
    return alert_id


def saved_query(params: list[tuple[str, str]]) -> str:
    """The search as stored: its parameters without page, parsed again on every run."""
    return urlencode(job_query_to_params(parse_job_query(dict(_grouped(params))), page=False))


def _grouped(params: list[tuple[str, str]]) -> dict[str, Any]:
    grouped: dict[str, Any] = {}
    for key, value in params:
        grouped[key] = [*grouped[key], value] if key in grouped else [value]
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


async def subscribe(
    data: dict[str, Any],
    search_params: list[tuple[str, str]],
    settings: Settings,
    urls: Urls,
    client: str,
) -> str:
    """Queues a confirmation mail for a new alert; the normalized address. The answer is the
    same when the address already holds the most alerts it may (then nothing is made), so
    the page does not tell whether an address has alerts. Throttled per address and client."""
    cleaner = Cleaner(data)
    email = normalized_email(cleaner.email("email", required=True))
    frequency = cleaner.choice("frequency", Frequency, required=True)
    language = cleaner.text("language", max_length=8, required=False) or current_language.get()
    cleaner.raise_if_invalid()
    if language not in LANGUAGES:
        language = current_language.get()
    query = saved_query(search_params)  # SearchError (a 4xx) for a malformed search
    await throttle.check((CONFIRM_PER_CLIENT, client), (CONFIRM_PER_EMAIL, email))
    # Unconfirmed alerts whose link has expired stop counting against the address's cap.
    await Alert.filter(
        email=email, state=AlertState.UNCONFIRMED, confirm_expires_at__lt=datetime.now(UTC)
    ).delete()
    if await Alert.filter(email=email).count() >= MAX_ALERTS_PER_ADDRESS:
        return email
    token = new_secret(32)
    link = urls.url("alerts:confirm", token=token)
    with in_language(language):
        subject = _("Confirm your job alert on %(network)s") % {"network": settings.network_name}
        body = _(
            "Someone, probably you, asked to receive new jobs from the %(network)s job board "
            "by e-mail at this address.\n\nConfirm within two days: %(link)s\n\n"
            "If it was not you, ignore this e-mail: nothing will be sent.\n"
        ) % {"network": settings.network_name, "link": link}
        manage_url = urls.url("alerts:manage", token=manage_token(settings, email))
        body += "\n" + _("All your alerts: %(link)s") % {"link": manage_url} + "\n"
    async with in_transaction():
        await Alert.create(
            email=email,
            query=query,
            frequency=frequency,
            language=language,
            confirm_token_hash=sha256_hex(token),
            confirm_expires_at=datetime.now(UTC) + CONFIRM_LIFETIME,
        )
        await enqueue(settings, "alert_confirmation", email, subject, body)
    return email


async def confirm(token: str, now: datetime | None = None) -> Alert:
    """Activates the alert once; its news start now."""
    now = now or datetime.now(UTC)
    alert = await Alert.get_or_none(confirm_token_hash=sha256_hex(token))
    if alert is None or alert.confirm_expires_at is None or alert.confirm_expires_at <= now:
        raise AlertLinkUnusable(_("This confirmation link is not valid any more."))
    spent = await Alert.filter(id=alert.id, confirm_token_hash=alert.confirm_token_hash).update(
        state=AlertState.ACTIVE,
        confirm_token_hash=None,
        confirm_expires_at=None,
        since=now,
        next_run_at=now + RUN_INTERVAL[alert.frequency],
    )
    if spent != 1:
        raise AlertLinkUnusable(_("This confirmation link is not valid any more."))
    await alert.refresh_from_db()
    return alert


async def unsubscribe(settings: Settings, token: str) -> None:
    """Deletes the alert the signed link names; again is harmless (it is already gone)."""
    await Alert.filter(id=alert_from_token(settings, token)).delete()


@dataclass
class SearchScan:
    """What one run has read of a saved search, newest first, page by page."""

    jobs: list[Job] = field(default_factory=list)
    pages: int = 0
    exhausted: bool = False

    def reaches(self, since: datetime) -> bool:
        """Whether every match posted since `since` has been read."""
        return self.exhausted or bool(
            self.jobs and self.jobs[-1].posted_at and self.jobs[-1].posted_at < since
        )


class RunMemo:
    """What one alert run computes once for many alerts: each saved search's results and
    each job's lines per language. Bounded (least recently used go first), so memory does
    not grow with the number of alerts. Its searches use the given search indexes."""

    def __init__(self, indexes: SearchIndexes, size: int = 100) -> None:
        self.indexes = indexes
        self.size = size
        self.searches: OrderedDict[str, SearchScan] = OrderedDict()
        self.lines: OrderedDict[tuple[int, str], tuple[str, str]] = OrderedDict()

    @staticmethod
    def _keep(memo: OrderedDict, key: Any, value: Any, size: int) -> Any:
        memo[key] = value
        if len(memo) > size:
            memo.popitem(last=False)
        return value

    async def search(
        self, query: str, since: datetime, settings: Settings, now: datetime
    ) -> tuple[list[Job], bool]:
        """The matches posted since `since`, newest first, and whether there may be more
        that were not read (the scan stopped at SCAN_MAX_PAGES)."""
        if query in self.searches:
            self.searches.move_to_end(query)
            scan = self.searches[query]
        else:
            scan = self._keep(self.searches, query, SearchScan(), self.size)
        while not scan.reaches(since) and scan.pages < SCAN_MAX_PAGES:
            page = await matching_now(query, settings, self.indexes, now, page=scan.pages + 1)
            scan.jobs.extend(page)
            scan.pages += 1
            scan.exhausted = len(page) < MAX_PER_PAGE
        fresh = [job for job in scan.jobs if job.posted_at and job.posted_at >= since]
        return fresh, not scan.reaches(since)

    def job_lines(self, job: Job, urls: Urls) -> tuple[str, str]:
        key = (job.id, current_language.get())
        if key in self.lines:
            self.lines.move_to_end(key)
            return self.lines[key]
        return self._keep(self.lines, key, _job_lines(job, urls), 20 * self.size)


def _job_lines(job: Job, urls: Urls) -> tuple[str, str]:
    """One job in the text and in the HTML part of an alert mail."""
    details = [job.organization.name]
    place = ", ".join(part for part in (job.city, job.region, job.country) if part)
    details.append(f"{place} ({job.work_mode.value})" if place else job.work_mode.value)
    salary = salary_text(job)
    if salary:
        details.append(salary)
    if job.valid_through:
        details.append(_("closes %(date)s") % {"date": job.valid_through.date().isoformat()})
    if job.is_imported and job.source_name:
        details.append(_("via %(network)s") % {"network": job.source_name})
    link = job.page_url(urls)
    text = f"- {job.title}\n  {' · '.join(details)}\n  {link}\n"
    html = (
        f'<li><a href="{escape(link)}">{escape(job.title)}</a><br>'
        f"{escape(' · '.join(details))}</li>"
    )
    return text, html


async def matching_now(
    query: str, settings: Settings, indexes: SearchIndexes, now: datetime, page: int = 1
) -> list[Job]:
    """One page of the visible jobs matching a saved search at this moment, newest first."""
    params = {
        **_grouped(parse_qsl(query)),
        "sort": "newest",
        "per_page": str(MAX_PER_PAGE),
        "page": str(page),
    }
    result = await search_jobs(
        parse_job_query(params),
        indexes=indexes,
        now=now,
        facets=False,
        default_days=settings.job_default_days,
    )
    return result.jobs


async def _bounced(alerts: list[Alert]) -> set[int]:
    """Those of the alerts whose last mail failed permanently (the SMTP server refused it)."""
    last_mails = {alert.last_mail_id: alert.id for alert in alerts if alert.last_mail_id}
    if not last_mails:
        return set()
    failed = OutboxMessage.filter(
        id__in=list(last_mails), state=MailState.FAILED, failure_code__isnull=False
    ).values_list("id", flat=True)
    return {last_mails[mail_id] for mail_id in await failed}


async def _already_sent(alert_ids: list[int], job_ids: list[int]) -> set[tuple[int, int]]:
    """Which of these jobs each of these alerts has mailed before, as (alert, job) pairs."""
    sent: set[tuple[int, int]] = set()
    for start in range(0, len(job_ids), SENT_LOOKUP_CHUNK):
        chunk = job_ids[start : start + SENT_LOOKUP_CHUNK]
        pairs = AlertSentJob.filter(alert_id__in=alert_ids, job_id__in=chunk).values_list(
            "alert_id", "job_id"
        )
        sent.update((alert_id, job_id) for alert_id, job_id in await pairs)
    return sent


async def _run_batch(
    alerts: list[Alert], settings: Settings, urls: Urls, now: datetime, memo: RunMemo
) -> int:
    """Mails each of these alerts (held by this run) its news, if any; the mails queued.
    What the batch shares is read once: the saved searches (through the memo), the jobs
    already sent and the last mails' fate."""
    bounced = await _bounced(alerts)
    if bounced:
        await Alert.filter(id__in=bounced).update(state=AlertState.PAUSED, claimed_until=None)
    news: dict[int, tuple[list[Job], bool]] = {}
    for alert in alerts:
        if alert.id not in bounced and alert.since is not None:
            news[alert.id] = await memo.search(alert.query, alert.since, settings, now)
    candidates = sorted({job.id for fresh, _unread in news.values() for job in fresh})
    sent = await _already_sent(list(news), candidates)
    mails: list[AlertMail] = []
    quiet: defaultdict[Frequency, list[int]] = defaultdict(list)
    for alert in alerts:
        if alert.id in bounced:
            continue
        fresh, unread = news.get(alert.id, ([], False))
        jobs = [job for job in fresh if (alert.id, job.id) not in sent]
        if jobs:
            mails.append(_compose(alert, jobs, unread, settings, urls, now, memo))
        else:
            quiet[alert.frequency].append(alert.id)
    for frequency, alert_ids in quiet.items():
        await Alert.filter(id__in=alert_ids).update(
            next_run_at=now + RUN_INTERVAL[frequency], claimed_until=None
        )
    queued = 0
    for start in range(0, len(mails), MAILS_PER_TRANSACTION):
        queued += await _queue(mails[start : start + MAILS_PER_TRANSACTION], settings)
    return queued


@dataclass
class AlertMail:
    """One alert's mail, written, with what committing it records."""

    alert: Alert
    jobs: list[Job]
    next_run_at: datetime
    subject: str
    text: str
    html: str
    unsubscribe_url: str


def _compose(
    alert: Alert,
    jobs: list[Job],
    unread: bool,
    settings: Settings,
    urls: Urls,
    now: datetime,
    memo: RunMemo,
) -> AlertMail:
    """The mail of one alert's news (newest first): the newest MAIL_MAX_JOBS listed, the rest
    counted, in the alert's language."""
    listed, more = jobs[:MAIL_MAX_JOBS], len(jobs) - MAIL_MAX_JOBS
    unsubscribe_url = urls.url("alerts:unsubscribe", token=unsubscribe_token(settings, alert))
    with in_language(alert.language):
        lines = [memo.job_lines(job, urls) for job in listed]
        if more > 0 or unread:
            lines.append(_more_line(urls, alert.query, max(more, 0), unread))
        subject = _("%(count)s new jobs on %(network)s") % {
            "count": len(jobs),
            "network": settings.network_name,
        }
        footer = _("Stop this alert: %(link)s") % {"link": unsubscribe_url}
        manage_url = urls.url("alerts:manage", token=manage_token(settings, alert.email))
        manage = _("All your alerts: %(link)s") % {"link": manage_url}
    text = "".join(line for line, _html in lines) + f"\n{footer}\n{manage}\n"
    html = (
        "<ul>" + "".join(item for _text, item in lines) + "</ul>"
        f'<p><a href="{escape(unsubscribe_url)}">{escape(footer)}</a><br>'
        f'<a href="{escape(manage_url)}">{escape(manage)}</a></p>'
    )
    next_run_at = now + RUN_INTERVAL[alert.frequency]
    return AlertMail(alert, jobs, next_run_at, subject, text, html, unsubscribe_url)


async def _queue(mails: list[AlertMail], settings: Settings) -> int:
    """Queues these mails, each recorded with the jobs it announces and its alert's next
    run, in one transaction (one commit for many alerts); the mails queued.

    A job already recorded by a concurrent run fails the unique (alert, job) pair and takes
    the transaction back: then each mail is tried in a transaction of its own, so only the
    mail that would repeat a job is dropped. A job is never mailed twice by one alert."""
    try:
        async with in_transaction() as connection:
            # The pairs go in as plain rows: one mail can announce hundreds of jobs.
            await connection.execute_many(
                insert_sql(connection, AlertSentJob, ("alert_id", "job_id")),
                [[mail.alert.id, job.id] for mail in mails for job in mail.jobs],
            )
            ran = []
            for mail in mails:
                message = await enqueue(
                    settings,
                    "job_alert",
                    mail.alert.email,
                    mail.subject,
                    mail.text,
                    mail.html,
                    mail.unsubscribe_url,
                )
                next_run_at = to_db_value(Alert, "next_run_at", mail.next_run_at)
                ran.append([next_run_at, message.id, None, mail.alert.id])
            fields = ("next_run_at", "last_mail_id", "claimed_until")
            await connection.execute_many(update_sql(connection, Alert, fields, ("id",)), ran)
    except IntegrityError:
        if len(mails) == 1:
            return 0
        return sum([await _queue([mail], settings) for mail in mails])
    return len(mails)


def _more_line(urls: Urls, query: str, more: int, unread: bool) -> tuple[str, str]:
    """The line after the listed jobs: how many more there are, and the search showing them.
    The jobs it counts are recorded as sent with the others: the mail announced them."""
    link = urls.url("jobs:search", query=[*parse_qsl(query), ("sort", "newest")])
    if unread:
        text = _("And more new jobs like these: %(link)s") % {"link": link}
    else:
        text = _("And %(count)d more new jobs like these: %(link)s") % {
            "count": more,
            "link": link,
        }
    label = text.rpartition(":")[0]
    return f"\n{text}\n", f'<li><a href="{escape(link)}">{escape(label)}</a></li>'


async def run_due_alerts(
    settings: Settings, urls: Urls, indexes: SearchIndexes, now: datetime | None = None
) -> int:
    """Every active alert that is due, a batch at a time (memory does not grow with the
    number of alerts); the number of mails queued."""
    now = now or datetime.now(UTC)
    owner = new_secret(16)
    queued, last_id = 0, 0
    memo = RunMemo(indexes)
    while True:
        batch = (
            await Alert.filter(
                work_queue.claimable(now),
                state=AlertState.ACTIVE,
                next_run_at__lte=now,
                id__gt=last_id,
            )
            .order_by("id")
            .limit(RUN_BATCH)
            .only("id", "email", "query", "frequency", "language", "since", "last_mail_id")
        )
        if not batch:
            return queued
        last_id = batch[-1].id
        # Alerts another process is running are left to it.
        held = await work_queue.claim_many(
            Alert, [alert.id for alert in batch], now, RUN_LEASE_SECONDS, owner
        )
        queued += await _run_batch(
            [alert for alert in batch if alert.id in held], settings, urls, now, memo
        )
