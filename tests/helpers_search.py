"""Building jobs straight through the models, for search tests."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from directory.models import Organization, OrganizationKind, OrganizationStatus
from jobs.models import Category, EmploymentType, Job, JobStatus, WorkMode

_numbers = itertools.count(1)


async def make_organization(
    name: str,
    *,
    slug: str | None = None,
    country: str = "US",
    status: OrganizationStatus = OrganizationStatus.ACTIVE,
) -> Organization:
    return await Organization.create(
        slug=slug or f"org-{next(_numbers)}",
        name=name,
        kind=OrganizationKind.INDEPENDENT_NONPROFIT,
        country=country,
        status=status,
        network="Innocence Network",
    )


async def make_job(
    organization: Organization,
    title: str,
    *,
    description: str = "",
    city: str = "",
    region: str = "",
    country: str = "US",
    employment_type: EmploymentType = EmploymentType.FULL_TIME,
    category: Category = Category.ATTORNEY,
    work_mode: WorkMode = WorkMode.ONSITE,
    language: str = "en",
    status: JobStatus = JobStatus.PUBLISHED,
    posted_days_ago: float = 1,
    closes_in_days: float | None = 30,
    salary: tuple[int, int] | None = None,
    now: datetime | None = None,
) -> Job:
    now = now or datetime.now(UTC)
    number = next(_numbers)
    extra: dict[str, Any] = {}
    if salary:
        extra.update(
            salary_min=Decimal(salary[0]),
            salary_max=Decimal(salary[1]),
            salary_currency="USD",
            salary_unit="YEAR",
        )
    return await Job.create(
        uid=f"urn:uuid:{uuid.uuid4()}",
        slug=f"job-{number}",
        organization=organization,
        title=title,
        description_markdown=description,
        description_html=f"<p>{description}</p>" if description else "",
        employment_type=employment_type,
        category=category,
        language=language,
        city=city,
        region=region,
        country=country,
        work_mode=work_mode,
        status=status,
        posted_at=now - timedelta(days=posted_days_ago),
        valid_through=now + timedelta(days=closes_in_days) if closes_in_days is not None else None,
        **extra,
    )


async def create_search_fixture() -> dict[str, Job]:
    """Eight open jobs in three languages, and five that search must never show."""
    project = await make_organization("Innocence Project", slug="innocence-project")
    defensoria = await make_organization(
        "Defensoría General de la Nación", slug="defensoria-general", country="AR"
    )
    japan = await make_organization("Innocence Project Japan", slug="ipj", country="JP")
    suspended = await make_organization(
        "Suspended Clinic", slug="suspended-clinic", status=OrganizationStatus.SUSPENDED
    )
    jobs = {
        "staff_attorney": await make_job(
            project,
            "Staff Attorney – Post-Conviction Litigation",
            description="Litigate innocence claims using DNA evidence and habeas petitions.",
            city="New York",
            region="NY",
            salary=(60000, 75000),
            posted_days_ago=3,
        ),
        "investigator": await make_job(
            project,
            "Investigator",
            description="Interview witnesses and review police reports for the attorney team.",
            city="Houston",
            region="TX",
            category=Category.INVESTIGATOR,
            work_mode=WorkMode.HYBRID,
            posted_days_ago=2,
        ),
        "paralegal": await make_job(
            project,
            "Paralegal/Program Associate",
            description="Support attorneys: organize case files (C++ not required).",
            employment_type=EmploymentType.PART_TIME,
            category=Category.PARALEGAL,
            work_mode=WorkMode.REMOTE,
            posted_days_ago=5,
            closes_in_days=None,
        ),
        "abogada": await make_job(
            defensoria,
            "Abogada de la Defensoría",
            description="Litigio de revisión de condenas erróneas.",
            city="Buenos Aires",
            region="CABA",
            country="AR",
            language="es",
            salary=(1000, 2000),
            posted_days_ago=4,
            closes_in_days=10,
        ),
        "investigador": await make_job(
            defensoria,
            "Investigador de campo",
            description="Búsqueda de testigos y análisis forense de ADN.",
            city="Córdoba",
            country="AR",
            language="es-AR",
            employment_type=EmploymentType.CONTRACTOR,
            category=Category.INVESTIGATOR,
            work_mode=WorkMode.REMOTE,
            posted_days_ago=6,
        ),
        "bengoshi": await make_job(
            japan,
            "弁護士募集（再審請求）",
            description="えん罪被害者の再審を支援します。",
            city="東京",
            country="JP",
            language="ja",
            posted_days_ago=1,
            closes_in_days=60,
        ),
        "chosain": await make_job(
            japan,
            "調査員",
            description="DNA鑑定の記録を調査します。",
            city="大阪",
            country="JP",
            language="ja",
            employment_type=EmploymentType.PART_TIME,
            category=Category.INVESTIGATOR,
            work_mode=WorkMode.HYBRID,
            posted_days_ago=7,
        ),
        "policy_fellow": await make_job(
            project,
            'Policy Fellow: "NEAR" -term (AND/OR) reform*',
            description="Forensic science reform.",
            city="London",
            country="GB",
            employment_type=EmploymentType.INTERN,
            category=Category.POLICY,
            work_mode=WorkMode.REMOTE,
            posted_days_ago=8,
        ),
    }
    await make_job(project, "Attorney (closed)", status=JobStatus.CLOSED)
    await make_job(project, "Attorney past closing date", closes_in_days=-1)
    await make_job(suspended, "Attorney at suspended clinic")
    await make_job(project, "Attorney posted long ago", posted_days_ago=120, closes_in_days=None)
    await make_job(project, "Attorney draft", status=JobStatus.DRAFT)
    return jobs
