"""Demo data: the real member organizations and sister networks in directory/data/members.csv.

The facts (names, places, websites, kinds, languages, networks) come from public sources,
listed per row in the 'source' column; the descriptions only restate those facts.
"""

from __future__ import annotations

import csv
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core.security import hash_password
from core.settings import Settings
from core.validation import encode_tag_list
from directory.accounts import create_admin
from directory.models import Account, Organization, OrganizationKind, OrganizationStatus, Role

MEMBERS_FILE = Path(__file__).parent / "data" / "members.csv"
# Stands in where a source gives no joining date, so that loading twice gives the same data.
DEFAULT_MEMBER_SINCE = date(2025, 1, 1)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def demo_rows(path: Path = MEMBERS_FILE) -> list[dict[str, Any]]:
    """The organizations of the data file as model field values, keyed by slug."""
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    return [
        {
            "slug": record["slug"],
            "name": record["name"],
            "short_name": record["short_name"],
            "kind": OrganizationKind(record["kind"]),
            "city": record["city"],
            "region": record["region"],
            "country": record["country"],
            "website": record["website"],
            "languages": encode_tag_list(_split(record["languages"])),
            "network": record["network"],
            "focus_areas": encode_tag_list(_split(record["focus_areas"])),
            # Only where the sources name the jurisdictions served; empty means unknown.
            "service_areas": encode_tag_list(_split(record["service_areas"])),
            "member_since": (
                date.fromisoformat(record["member_since"])
                if record["member_since"]
                else DEFAULT_MEMBER_SINCE
            ),
            "status": OrganizationStatus(record["status"]),
            "description": record["description"],
            # Established members of the network publish without review.
            "trusted": True,
        }
        for record in records
    ]


async def load_demo_directory(settings: Settings) -> int:
    """Creates or updates every demo organization by slug; returns how many there are."""
    rows = demo_rows()
    async with in_transaction():
        for row in rows:
            slug = row.pop("slug")
            await Organization.update_or_create(defaults=row, slug=slug)
    return len(rows)


DEMO_ADMIN_EMAIL = "admin@demo.amicus.example"
DEMO_MEMBER_EMAIL = "member@demo.amicus.example"


async def create_demo_accounts(settings: Settings) -> list[tuple[str, str]]:
    """A demo administrator and a demo member (owner of the first active demo organization),
    for trying the signed-in pages. Returns (e-mail, password) of the accounts made now; an
    account from an earlier run keeps its password, which was shown only then. Never in
    production, where such well-known accounts would be a way in."""
    if settings.is_production:
        raise RuntimeError("demo accounts are for development, not production")
    made: list[tuple[str, str]] = []
    if not await Account.exists(email=DEMO_ADMIN_EMAIL):
        password = secrets.token_urlsafe(16)
        await create_admin(DEMO_ADMIN_EMAIL, password, "Demo Administrator")
        made.append((DEMO_ADMIN_EMAIL, password))
    organization = await Organization.filter(status=OrganizationStatus.ACTIVE).first()
    if organization is not None and not await Account.exists(email=DEMO_MEMBER_EMAIL):
        password = secrets.token_urlsafe(16)
        await Account.create(
            email=DEMO_MEMBER_EMAIL,
            password_hash=await hash_password(password),
            display_name="Demo Member",
            organization=organization,
            role=Role.OWNER,
            # Receives the notices a member gets (into the development mail folder), so that
            # trying the demo shows them; nobody can own the address to verify it.
            email_verified_at=datetime.now(UTC),
        )
        made.append((DEMO_MEMBER_EMAIL, password))
    return made
