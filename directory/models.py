"""Organizations, the people who act for them, and the record of what they did."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.urls import Urls


class OrganizationKind(StrEnum):
    LAW_SCHOOL_CLINIC = "law_school_clinic"
    INDEPENDENT_NONPROFIT = "independent_nonprofit"
    PUBLIC_DEFENDER_UNIT = "public_defender_unit"
    LAW_FIRM_PRO_BONO = "law_firm_pro_bono"
    NETWORK = "network"


class OrganizationStatus(StrEnum):
    APPLIED = "applied"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DECLINED = "declined"
    LEFT = "left"


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    ADMIN = "admin"


# The route of an organization's public page: its URL everywhere (pages, feeds, JSON-LD, the
# API) and the id by which the directory feed names a member of this instance.
ORGANIZATION_PAGE = "directory:organization"


def organization_page_url(urls: Urls, slug: str) -> str:
    return urls.url(ORGANIZATION_PAGE, slug=slug)


def organization_identity(urls: Urls, organization: Organization | Any) -> str:
    """How every feed names an organization (directory entry id, a job's hiring
    organization): the origin's id for one imported from a sister network, else its page
    here. The importer recognises a member by this, so one member is one organization."""
    return organization.origin_id or organization_page_url(urls, organization.slug)


def own_organization_slug(urls: Urls, url: str) -> str | None:
    """The slug of this instance's organization whose page `url` is, else None."""
    found = urls.match(url)
    return found[1]["slug"] if found and found[0] == ORGANIZATION_PAGE else None


class Organization(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=80, unique=True)
    name = fields.CharField(max_length=200)
    short_name = fields.CharField(max_length=60, default="")
    kind = fields.CharEnumField(OrganizationKind, max_length=32)
    description = fields.TextField(default="")
    website = fields.CharField(max_length=500, default="")
    contact_email = fields.CharField(max_length=254, default="")
    city = fields.CharField(max_length=100, default="")
    region = fields.CharField(max_length=100, default="")
    country = fields.CharField(max_length=2, db_index=True)
    # Lists are stored as ",a,b," so that "has tag x" is a portable LIKE '%,x,%' filter.
    languages = fields.CharField(max_length=200, default="")
    focus_areas = fields.CharField(max_length=500, default="")
    accepts_cases = fields.BooleanField(default=False)
    case_application_info = fields.TextField(default="")
    # Where and which cases it takes (see directory/service_areas.py): jurisdictions as ISO
    # 3166-1 country codes (the whole country) and ISO 3166-2 first-level subdivision codes
    # (US-TX), court systems and case types, each a stored tag list like `languages`.
    service_areas = fields.CharField(max_length=1000, default="")
    court_systems = fields.CharField(max_length=100, default="")
    # Where the court systems differ by jurisdiction: "system:AREA" pairs (federal:US,
    # state:US-TX) saying that cases of that system are taken from that area only.
    court_areas = fields.CharField(max_length=1000, default="")
    case_types = fields.CharField(max_length=200, default="")
    # Structured where applicants' eligibility is structured; the rest is in words.
    minimum_sentence_years = fields.SmallIntField(null=True)
    in_custody_only = fields.BooleanField(default=False)
    eligibility = fields.TextField(default="")
    # How to apply. Many applicants are in prison and can only write a letter, so the postal
    # address is shown first.
    apply_postal_address = fields.TextField(default="")
    apply_url = fields.CharField(max_length=500, default="")
    apply_phone = fields.CharField(max_length=40, default="")
    apply_email = fields.CharField(max_length=254, default="")
    # Off while a member's intake is closed: it leaves "Find help", not the directory.
    accepting_applications = fields.BooleanField(default=True)
    # Applications to this member go through a screening organization, which refers them on.
    screening_organization: fields.ForeignKeyNullableRelation[Organization] = (
        fields.ForeignKeyField(
            "directory.Organization",
            related_name="screened_members",
            null=True,
            on_delete=fields.SET_NULL,
        )
    )
    parent_organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "directory.Organization",
        related_name="child_organizations",
        null=True,
        on_delete=fields.SET_NULL,
    )
    logo_url = fields.CharField(max_length=500, default="")
    jobs_feed_url = fields.CharField(max_length=500, default="")
    jobs_feed_approved = fields.BooleanField(default=False)
    status = fields.CharEnumField(OrganizationStatus, max_length=16, db_index=True)
    status_reason = fields.TextField(default="")
    # Trusted organizations publish without review under the "untrusted" review policy.
    trusted = fields.BooleanField(default=False)
    member_since = fields.DateField(null=True)
    network = fields.CharField(max_length=200)
    # Set for records imported from a sister network's directory feed.
    origin_id = fields.CharField(max_length=500, null=True, unique=True)
    origin_url = fields.CharField(max_length=500, default="")
    # Its Open Referral (HSDS) ids, UUIDs derived from organization_identity (see
    # hsds/shapes.py): the organization's, its case intake service's and that service at its
    # location's, stored so that the HSDS API finds each by its id in one query.
    hsds_id = fields.CharField(max_length=36, null=True, unique=True)
    hsds_service_id = fields.CharField(max_length=36, null=True, unique=True)
    hsds_service_at_location_id = fields.CharField(max_length=36, null=True, unique=True)
    source_feed_url = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "organization"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.status == OrganizationStatus.ACTIVE

    @property
    def is_federated(self) -> bool:
        return self.origin_id is not None

    def page_url(self, urls: Urls) -> str:
        return organization_page_url(urls, self.slug)

    def canonical_url(self, urls: Urls) -> str:
        """Where search engines should index this profile: a copied one's origin page."""
        return self.origin_url if self.is_federated and self.origin_url else self.page_url(urls)


class Account(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=200)
    display_name = fields.CharField(max_length=100)
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "directory.Organization", related_name="accounts", null=True, on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=16)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_sign_in_at = fields.DatetimeField(null=True)
    # Every session cookie carries the generation it was started in; moving the number on
    # (sign-out, a new password, suspension) ends every session of the account at once.
    session_generation = fields.IntField(default=0)
    # When the account proved it receives mail at `email` (see directory/verification.py);
    # until then it gets no mail but the verification itself.
    email_verified_at = fields.DatetimeField(null=True)
    # The language its mail is written in: the page's at sign-up, then at each sign-in.
    language = fields.CharField(max_length=8, default="en")

    class Meta:
        table = "account"

    def __str__(self) -> str:
        return self.email

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class Throttle(Model):
    """Attempts at one rate-limited action by one subject (an e-mail, a client address) in the
    current window. Kept in the database so every process and machine counts the same
    attempts; the key is a SHA-256 so no address or e-mail is stored in clear."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    hits = fields.IntField(default=0)
    # Unix time in whole seconds: compared in SQL the same way on SQLite and PostgreSQL.
    window_ends = fields.BigIntField(db_index=True)

    class Meta:
        table = "throttle"


class Invitation(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "directory.Organization", related_name="invitations", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254)
    role = fields.CharEnumField(Role, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "directory.Account", related_name="invitations_sent", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitation"


class PasswordReset(Model):
    """A link that sets a new password once, before it expires. Only its hash is kept."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "directory.Account", related_name="password_resets", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_reset"


class EmailVerification(Model):
    """A link proving that an account receives mail at `email`: a new account's address, or
    the address it asked to change to (the change takes effect only when it is followed).
    Works once, before it expires. Only its hash is kept."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "directory.Account", related_name="email_verifications", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "email_verification"


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "directory.Organization", related_name="api_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    # Only a SHA-256 of the secret is kept; the secret itself is shown once, at creation.
    secret_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "directory.Account", related_name="api_tokens", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    # None: valid until revoked.
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class AuditEvent(Model):
    """One state change that matters: who did what to which record, when, from and to."""

    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "directory.Account", related_name="audit_events", null=True, on_delete=fields.SET_NULL
    )
    # Kept beside the foreign key so the record survives the account's deletion.
    actor_label = fields.CharField(max_length=254)
    action = fields.CharField(max_length=40)
    subject_type = fields.CharField(max_length=40)
    subject_id = fields.IntField()
    from_state = fields.CharField(max_length=32, default="")
    to_state = fields.CharField(max_length=32, default="")
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_event"
        ordering = ["-created_at", "-id"]
        indexes = [("subject_type", "subject_id")]
