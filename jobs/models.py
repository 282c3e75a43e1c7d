"""Job postings, local and imported."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from core.urls import Urls
from directory.models import Account, Organization


class EmploymentType(StrEnum):
    """schema.org JobPosting employmentType values."""

    FULL_TIME = "FULL_TIME"
    PART_TIME = "PART_TIME"
    CONTRACTOR = "CONTRACTOR"
    TEMPORARY = "TEMPORARY"
    INTERN = "INTERN"
    VOLUNTEER = "VOLUNTEER"
    PER_DIEM = "PER_DIEM"
    OTHER = "OTHER"


class Category(StrEnum):
    ATTORNEY = "attorney"
    INVESTIGATOR = "investigator"
    PARALEGAL = "paralegal"
    POLICY = "policy"
    DEVELOPMENT = "development"
    COMMUNICATIONS = "communications"
    ADMINISTRATION = "administration"
    SOCIAL_WORK = "social_work"
    FELLOWSHIP = "fellowship"
    FORENSIC_SCIENCE = "forensic_science"
    OTHER = "other"


class WorkMode(StrEnum):
    ONSITE = "onsite"
    HYBRID = "hybrid"
    REMOTE = "remote"


class SalaryUnit(StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"


class JobStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    FILLED = "filled"
    CLOSED = "closed"
    EXPIRED = "expired"
    REMOVED = "removed"


# States after which a job is gone from search and shown as a deletion mark in feeds.
ENDED_STATUSES = (JobStatus.FILLED, JobStatus.CLOSED, JobStatus.EXPIRED, JobStatus.REMOVED)


JOB_PAGE = "jobs:job"


def job_page_url(urls: Urls, slug: str) -> str:
    return urls.url(JOB_PAGE, key=slug)


# A longer key names no job: lookups answer "not found" before asking the database.
UID_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 120


class Job(Model):
    id = fields.IntField(primary_key=True)
    # The permanent, globally unique id ("urn:uuid:…"), the same on every instance.
    uid = fields.CharField(max_length=UID_MAX_LENGTH, unique=True)
    slug = fields.CharField(max_length=SLUG_MAX_LENGTH, unique=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "directory.Organization", related_name="jobs", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    description_markdown = fields.TextField(default="")
    description_html = fields.TextField(default="")
    employment_type = fields.CharEnumField(EmploymentType, max_length=16, db_index=True)
    category = fields.CharEnumField(Category, max_length=32, db_index=True)
    language = fields.CharField(max_length=35, db_index=True)
    city = fields.CharField(max_length=100, default="")
    region = fields.CharField(max_length=100, default="")
    country = fields.CharField(max_length=2, default="", db_index=True)
    work_mode = fields.CharEnumField(WorkMode, max_length=8, db_index=True)
    # Countries a remote applicant may live in, stored as ",US,CA,".
    remote_countries = fields.CharField(max_length=800, default="")
    salary_min = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    salary_max = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    salary_currency = fields.CharField(max_length=3, default="")
    salary_unit = fields.CharEnumField(SalaryUnit, max_length=8, null=True)
    salary_note = fields.CharField(max_length=300, default="")
    apply_url = fields.CharField(max_length=1000, default="")
    apply_email = fields.CharField(max_length=254, default="")
    apply_instructions = fields.TextField(default="")
    valid_through = fields.DatetimeField(null=True, db_index=True)
    status = fields.CharEnumField(JobStatus, max_length=16, db_index=True)
    status_reason = fields.TextField(default="")
    posted_at = fields.DatetimeField(null=True, db_index=True)
    status_changed_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "directory.Account", related_name="jobs", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)
    # Search terms produced by core.search_terms, the same for every database backend.
    search_title = fields.TextField(default="")
    search_body = fields.TextField(default="")
    # Set for jobs imported from another feed.
    source_feed_url = fields.CharField(max_length=1000, default="", db_index=True)
    source_name = fields.CharField(max_length=200, default="")
    origin_url = fields.CharField(max_length=1000, default="")
    # The feed the job first appeared in (RFC 4287 4.2.11 <source>), carried along every hop:
    # its id, title, link and last update as the origin wrote them; and when the origin last
    # changed the job, which a copy republishes as its own updated date.
    source_id = fields.CharField(max_length=1000, default="")
    source_title = fields.CharField(max_length=500, default="")
    source_link = fields.CharField(max_length=1000, default="")
    source_updated_at = fields.DatetimeField(null=True)
    origin_updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "job"
        ordering = ["-posted_at", "-id"]
        # Feeds list the jobs that ended lately, the moderation queue those pending review;
        # the member dashboard an organization's jobs by status, latest change first.
        indexes = [("status", "status_changed_at"), ("organization_id", "status", "updated_at")]

    def __str__(self) -> str:
        return self.title

    def page_url(self, urls: Urls) -> str:
        return job_page_url(urls, self.slug)

    @property
    def is_imported(self) -> bool:
        return bool(self.source_feed_url)

    def canonical_url(self, urls: Urls) -> str:
        """Where search engines should index this job: an imported job's origin page."""
        return self.origin_url if self.is_imported and self.origin_url else self.page_url(urls)


def connect_signals() -> None:
    """Keep the search columns in step with every save (see core.database.open_database)."""
    from jobs.search.index import connect_search_index  # it imports this module's models

    connect_search_index()


class JobDataGeneration(Model):
    """One row: a counter bumped by database triggers on every write to a job or organization.

    The triggers (migration 0003) fire on every insert, update or delete however it is made,
    so any process learns that the data search shows has changed with one primary-key read.
    """

    id = fields.IntField(primary_key=True)
    generation = fields.BigIntField(default=0)

    class Meta:
        table = "job_data_generation"


class IdempotencyKey(Model):
    """An Idempotency-Key an organization sent with POST /api/jobs and the job it created,
    committed with the job: a retry after a lost answer gets that job instead of a second."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "directory.Organization", related_name="idempotency_keys", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=200)
    # SHA-256 of the request body, so that one key reused for another job is refused.
    request_hash = fields.CharField(max_length=64)
    job: fields.ForeignKeyRelation[Job] = fields.ForeignKeyField(
        "jobs.Job", related_name="idempotency_keys", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "idempotency_key"
        unique_together = (("organization", "key"),)
