"""A migrated SQLite database holding N realistic jobs across M organizations, deterministically.

Jobs are written in English, Spanish and Japanese from the vocabulary of innocence work, with
their search columns filled by the project's own normalizer, so the search index is exactly
what the application would have built job by job. Rows go in with sqlite3's executemany, which
takes seconds rather than the minutes the ORM would need for 100,000 saves; the search index is
built from them at the first search (or by `amicus reindex`).

    from bench.generate import generate_database
    generate_database(Path("/tmp/jobs.sqlite3"), jobs=100_000, organizations=500)

With --database-url the same jobs are then copied into that (empty) PostgreSQL database with
COPY (copy_database): 100,000 jobs in seconds, a million in about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import connections  # noqa: E402
from tortoise.models import Model  # noqa: E402

from core.database import (  # noqa: E402
    apply_migrations,
    close_database,
    connection_config,
    open_database,
)
from directory import models as directory_models  # noqa: E402
from jobs import models as jobs_models  # noqa: E402
from jobs.search.index import search_columns  # noqa: E402

DEFAULT_SEED = 20_261_123
BATCH = 5_000

# A rare word appears in about one job in 5,000, so "rare word" queries find a handful.
RARE_WORD = "polygraph"
RARE_SHARE = 1 / 5_000

PLACES = {
    "en": [
        ("New York", "NY", "US"),
        ("Chicago", "IL", "US"),
        ("Houston", "TX", "US"),
        ("Los Angeles", "CA", "US"),
        ("Seattle", "WA", "US"),
        ("Atlanta", "GA", "US"),
        ("Denver", "CO", "US"),
        ("Boston", "MA", "US"),
        ("Toronto", "ON", "CA"),
        ("London", "England", "GB"),
        ("Dublin", "Leinster", "IE"),
        ("Sydney", "NSW", "AU"),
        ("Auckland", "Auckland", "NZ"),
        ("Cape Town", "Western Cape", "ZA"),
    ],
    "es": [
        ("Buenos Aires", "CABA", "AR"),
        ("Córdoba", "Córdoba", "AR"),
        ("Ciudad de México", "CDMX", "MX"),
        ("Santiago", "Región Metropolitana", "CL"),
        ("Bogotá", "Cundinamarca", "CO"),
        ("Lima", "Lima", "PE"),
        ("Madrid", "Comunidad de Madrid", "ES"),
        ("Asunción", "Central", "PY"),
    ],
    "ja": [
        ("東京", "東京都", "JP"),
        ("大阪", "大阪府", "JP"),
        ("京都", "京都府", "JP"),
        ("福岡", "福岡県", "JP"),
        ("札幌", "北海道", "JP"),
    ],
}
LANGUAGE_SHARE = (("en", 0.6), ("es", 0.25), ("ja", 0.15))

ORGANIZATION_NAMES = {
    "en": [
        "Innocence Project of {place}",
        "{place} Innocence Clinic",
        "{place} Conviction Integrity Project",
        "{place} Post-Conviction Defenders",
        "Wrongful Conviction Center of {place}",
    ],
    "es": [
        "Proyecto Inocencia {place}",
        "Defensoría de Revisión de {place}",
        "Clínica Jurídica de Inocencia de {place}",
        "Red Inocente {place}",
    ],
    "ja": [
        "{place}えん罪救済センター",
        "{place}再審支援ネットワーク",
        "{place}冤罪弁護団",
    ],
}

TITLES = {
    "en": [
        ("Staff Attorney", "attorney"),
        ("Senior Staff Attorney, Post-Conviction Litigation", "attorney"),
        ("Supervising Attorney", "attorney"),
        ("Litigation Fellow", "fellowship"),
        ("Investigator", "investigator"),
        ("Senior Investigator", "investigator"),
        ("Paralegal", "paralegal"),
        ("Case Analyst", "paralegal"),
        ("Policy Advocate", "policy"),
        ("Policy Counsel", "policy"),
        ("Development Director", "development"),
        ("Grants Manager", "development"),
        ("Communications Manager", "communications"),
        ("Digital Storyteller", "communications"),
        ("Office Manager", "administration"),
        ("Operations Coordinator", "administration"),
        ("Social Worker, Exoneree Reentry", "social_work"),
        ("Forensic DNA Analyst", "forensic_science"),
        ("Law Student Intern", "fellowship"),
    ],
    "es": [
        ("Abogado/a de revisión de condenas", "attorney"),
        ("Abogada litigante", "attorney"),
        ("Defensor/a público/a", "attorney"),
        ("Investigador/a de campo", "investigator"),
        ("Perito en investigación criminal", "investigator"),
        ("Asistente jurídico/a", "paralegal"),
        ("Coordinador/a de políticas públicas", "policy"),
        ("Responsable de comunicación", "communications"),
        ("Coordinador/a de desarrollo institucional", "development"),
        ("Trabajador/a social", "social_work"),
        ("Pasante de derecho", "fellowship"),
        ("Administrativo/a", "administration"),
    ],
    "ja": [
        ("弁護士募集（再審請求）", "attorney"),
        ("常勤弁護士", "attorney"),
        ("調査員", "investigator"),
        ("事件調査スタッフ", "investigator"),
        ("パラリーガル", "paralegal"),
        ("政策提言担当", "policy"),
        ("広報担当", "communications"),
        ("ファンドレイジング担当", "development"),
        ("事務局スタッフ", "administration"),
        ("ソーシャルワーカー", "social_work"),
        ("法科大学院生インターン", "fellowship"),
    ],
}

SENTENCES = {
    "en": [
        "We represent people who were convicted of crimes they did not commit.",
        "You will review trial transcripts, police reports and forensic evidence.",
        "The attorney will draft habeas petitions and argue post-conviction motions.",
        "Interview witnesses, locate records and build the factual record of each case.",
        "Experience with DNA evidence, eyewitness identification or false confessions is a plus.",
        "Our clinic trains law students to investigate claims of innocence.",
        "You will work with exonerees and their families on reentry and support.",
        "Strong writing skills and attention to detail are essential.",
        "We advocate for policy reforms that prevent wrongful convictions.",
        "The position reports to the legal director and works closely with investigators.",
        "Spanish language skills are valued; travel to prisons in the state is required.",
        "Salary is competitive and benefits include health insurance and paid leave.",
        "We welcome applicants who have been directly affected by the criminal legal system.",
        "Manage a docket of innocence cases from screening through litigation.",
        "Coordinate with crime laboratories on testing of biological evidence.",
    ],
    "es": [
        "Representamos a personas condenadas por delitos que no cometieron.",
        "La persona seleccionada revisará expedientes judiciales y pruebas periciales.",
        "Buscamos una abogada o abogado con experiencia en litigio penal.",
        "Entrevistar testigos y reconstruir la investigación de cada caso.",
        "Se valorará experiencia en la Defensoría Pública o en organismos de derechos humanos.",
        "Trabajará junto al equipo de investigación y a los estudiantes de la clínica jurídica.",
        "La revisión de condenas exige rigor, discreción y compromiso con la verdad.",
        "Ofrecemos contrato estable, capacitación continua y un equipo comprometido.",
        "Acompañar a personas exoneradas y a sus familias en su reinserción.",
        "Impulsar reformas legales para prevenir condenas erróneas en la región.",
        "Se requiere título de abogacía y matrícula profesional vigente.",
        "Coordinación con laboratorios forenses para análisis de ADN.",
    ],
    "ja": [
        "えん罪被害者の再審請求を支援する弁護士を募集します。",
        "裁判記録や供述調書を精査し、新証拠を探します。",
        "DNA鑑定の記録を調査し、専門家と連携します。",
        "目撃証言や自白の信用性について調査を行います。",
        "法科大学院の学生と共に事件の調査にあたります。",
        "えん罪を防ぐための刑事司法改革を提言します。",
        "無罪判決を得た方とそのご家族の生活再建を支援します。",
        "経験は問いません。研修制度があります。",
        "勤務地は事務所ですが、在宅勤務も可能です。",
        "給与は経験に応じて決定します。社会保険完備。",
    ],
}
CURRENCIES = {"US": "USD", "CA": "CAD", "GB": "GBP", "IE": "EUR", "AU": "AUD", "NZ": "NZD",
              "ZA": "ZAR", "AR": "ARS", "MX": "MXN", "CL": "CLP", "CO": "COP", "PE": "PEN",
              "ES": "EUR", "PY": "PYG", "JP": "JPY"}  # fmt: skip
EMPLOYMENT_TYPES = (("FULL_TIME", 0.62), ("PART_TIME", 0.12), ("CONTRACTOR", 0.06),
                    ("TEMPORARY", 0.05), ("INTERN", 0.08), ("VOLUNTEER", 0.05),
                    ("PER_DIEM", 0.01), ("OTHER", 0.01))  # fmt: skip
WORK_MODES = (("onsite", 0.55), ("hybrid", 0.3), ("remote", 0.15))
STATUSES = (("published", 0.86), ("closed", 0.05), ("filled", 0.04), ("expired", 0.03),
            ("draft", 0.02))  # fmt: skip


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    language: str
    city: str
    region: str
    country: str


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _timestamp(moment: datetime) -> str:
    # The text form Tortoise writes for an aware datetime on SQLite.
    return moment.astimezone(UTC).isoformat(" ")


def _organizations(rng: random.Random, count: int, now: datetime) -> list[tuple]:
    rows = []
    for number in range(1, count + 1):
        language = _weighted(rng, LANGUAGE_SHARE)
        city, region, country = rng.choice(PLACES[language])
        name = rng.choice(ORGANIZATION_NAMES[language]).format(place=city) + f" {number}"
        # One organization in twenty is suspended or has left: its jobs must never show.
        status = "active" if rng.random() > 0.05 else rng.choice(("suspended", "left"))
        stamp = _timestamp(now - timedelta(days=rng.randint(30, 3000)))
        rows.append(
            (number, f"org-{number}", name, "independent_nonprofit", city, region, country,
             f",{language},", status, "Innocence Network", stamp, stamp)
        )  # fmt: skip
    return rows


def _job_row(rng: random.Random, number: int, organization: Organization, now: datetime) -> tuple:
    language = organization.language
    title, category = rng.choice(TITLES[language])
    sentences = rng.sample(SENTENCES[language], k=min(6, len(SENTENCES[language])))
    if rng.random() < RARE_SHARE:
        sentences.append(f"Experience reviewing {RARE_WORD} results is required.")
    description_html = "".join(f"<p>{sentence}</p>" for sentence in sentences)
    work_mode = _weighted(rng, WORK_MODES)
    posted = now - timedelta(days=rng.uniform(0, 80), seconds=rng.randint(0, 86_400))
    valid_through = posted + timedelta(days=rng.randint(20, 120)) if rng.random() < 0.7 else None
    has_salary = rng.random() < 0.6
    salary_min = rng.randrange(30_000, 90_000, 1_000) if has_salary else None
    salary_max = salary_min + rng.randrange(5_000, 40_000, 1_000) if salary_min else None
    status = _weighted(rng, STATUSES)
    if status == "published" and valid_through is not None and valid_through <= now:
        # What the application's expiry worker would already have done.
        status = "expired"
    search_title, search_body = search_columns(
        title=title,
        description_html=description_html,
        description_markdown="",
        organization_name=organization.name,
        city=organization.city,
        region=organization.region,
        country=organization.country,
        category=category,
    )
    stamp = _timestamp(posted)
    return (
        number, f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}", f"job-{number}",
        organization.id, title, "", description_html, _weighted(rng, EMPLOYMENT_TYPES), category,
        language, organization.city, organization.region, organization.country, work_mode,
        f",{organization.country}," if work_mode == "remote" else "",
        salary_min, salary_max, CURRENCIES[organization.country] if has_salary else "",
        "YEAR" if has_salary else None, "" if has_salary else "Salary depends on experience.",
        f"https://example.org/jobs/{number}", "", "",
        _timestamp(valid_through) if valid_through else None, status, "", stamp, stamp,
        stamp, stamp, search_title, search_body, "", "", "",
    )  # fmt: skip


JOB_COLUMNS = (
    "id, uid, slug, organization_id, title, description_markdown, description_html, "
    "employment_type, category, language, city, region, country, work_mode, remote_countries, "
    "salary_min, salary_max, salary_currency, salary_unit, salary_note, apply_url, apply_email, "
    "apply_instructions, valid_through, status, status_reason, posted_at, status_changed_at, "
    "created_at, updated_at, search_title, search_body, source_feed_url, source_name, origin_url"
)
ORGANIZATION_COLUMNS = (
    "id, slug, name, kind, city, region, country, languages, status, network, created_at, "
    "updated_at"
)


def _defaults(model: type[Model], given: str) -> tuple[str, tuple]:
    """The model's other NOT NULL columns and their defaults: the ORM fills defaults in
    Python, not in the schema, and columns added later must not break the generator."""
    named = {name.strip() for name in given.split(",")}
    columns, values = [], []
    for name, field in model._meta.fields_map.items():
        column = field.source_field or name
        if column in named or not field.has_db_field or field.null or field.default is None:
            continue
        default = field.default() if callable(field.default) else field.default
        columns.append(column)
        values.append(field.to_db_value(default, None))
    return ", ".join(columns), tuple(values)


def _insert(connection: sqlite3.Connection, table: str, columns: str, rows: list[tuple]) -> None:
    marks = ", ".join("?" for _ in columns.split(","))
    connection.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)


def generate_database(
    path: Path,
    *,
    jobs: int = 100_000,
    organizations: int = 500,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    progress: bool = False,
) -> Path:
    """Create (replacing) a migrated SQLite database at path with the given numbers of jobs
    and organizations; the same arguments always give the same rows. Call it outside a
    running event loop (it applies the migrations with asyncio.run)."""
    now = now or datetime.now(UTC)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    asyncio.run(apply_migrations(f"sqlite://{path}"))
    rng = random.Random(seed)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous = OFF")
        organization_rows = _organizations(rng, organizations, now)
        default_columns, defaults = _defaults(directory_models.Organization, ORGANIZATION_COLUMNS)
        _insert(
            connection,
            "organization",
            f"{ORGANIZATION_COLUMNS}, {default_columns}",
            [row + defaults for row in organization_rows],
        )
        owners = [
            Organization(row[0], row[2], row[7].strip(","), row[4], row[5], row[6])
            for row in organization_rows
        ]
        job_default_columns, job_defaults = _defaults(jobs_models.Job, JOB_COLUMNS)
        for start in range(1, jobs + 1, BATCH):
            rows = [
                _job_row(rng, number, rng.choice(owners), now) + job_defaults
                for number in range(start, min(start + BATCH, jobs + 1))
            ]
            _insert(connection, "job", f"{JOB_COLUMNS}, {job_default_columns}", rows)
            connection.commit()
            if progress:
                print(f"  {start + len(rows) - 1:>7} jobs", end="\r", flush=True)
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    if progress:
        print()
    return path


# What asyncpg takes for a PostgreSQL column type, from what Tortoise stores on SQLite: ISO
# 8601 text for moments (in UTC), dates and times, 0 or 1 for booleans, text for decimals. Other
# types go as SQLite gives them (text, integers, JSON as text, bytes).
CONVERSIONS: dict[str, Callable[[Any], Any]] = {
    "timestamptz": lambda value: _aware(datetime.fromisoformat(value)),
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "bool": bool,
    "numeric": lambda value: Decimal(str(value)),
}
COPY_CHUNK = 10_000


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def copy_database(source: Path, database_url: str, *, progress: bool = False) -> int:
    """Copy a generated SQLite database into the empty PostgreSQL database at database_url
    (migrated first) with COPY, table by table in foreign-key order, reading SQLite a chunk at
    a time: memory stays flat whatever the number of jobs. Returns the number of rows. Call
    with no running event loop.

    The tables are the models' (operations.transfer.models_in_order): what the migrations seed
    and what the target's triggers write as rows arrive (the search change log, the jobs data
    generation) are the target's own. The search index is not touched: the app builds it at
    its first search, or `amicus reindex` does."""
    from operations.transfer import models_in_order

    if connection_config(database_url)["engine"] != "tortoise.backends.asyncpg":
        raise ValueError(f"copy_database loads PostgreSQL through asyncpg, not {database_url}")
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)

    async def load() -> int:
        await apply_migrations(database_url)
        await open_database(database_url)
        try:
            tables = [model._meta.db_table for model in models_in_order()]
            async with connections.get("default").acquire_connection() as connection:
                async with connection.transaction():
                    count = 0
                    for table in tables:
                        count += await _copy_table(reader, connection, table, progress)
                await connection.execute("ANALYZE")
            return count
        finally:
            await close_database()

    try:
        return asyncio.run(load())
    finally:
        reader.close()


async def _copy_table(
    reader: sqlite3.Connection, connection: asyncpg.Connection, table: str, progress: bool
) -> int:
    """COPY one table's rows, converted for its PostgreSQL column types, then move its
    id sequences past the copied ids."""
    if reader.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is None:  # nosec B608
        return 0
    if await connection.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):  # nosec B608
        raise RuntimeError(f"The database is not empty ({table} has rows).")
    columns = await connection.fetch(
        "SELECT a.attname AS name, t.typname AS type, "
        "pg_get_serial_sequence(quote_ident($1), a.attname) AS sequence "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = quote_ident($1)::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
        table,
    )
    names = [column["name"] for column in columns]
    conversions = [
        (position, CONVERSIONS[column["type"]])
        for position, column in enumerate(columns)
        if column["type"] in CONVERSIONS
    ]
    copied = 0

    def records() -> Iterator[tuple]:
        nonlocal copied
        quoted = ", ".join(f'"{name}"' for name in names)
        cursor = reader.execute(f'SELECT {quoted} FROM "{table}"')  # nosec B608
        while rows := cursor.fetchmany(COPY_CHUNK):
            for row in rows:
                values = list(row)
                for position, convert in conversions:
                    if values[position] is not None:
                        values[position] = convert(values[position])
                yield tuple(values)
            copied += len(rows)
            if progress:
                print(f"  {table}: {copied:,} rows", end="\r", flush=True)

    await connection.copy_records_to_table(table, records=records(), columns=names)
    if progress:
        print()
    for column in columns:
        if column["sequence"]:
            await connection.execute(
                f'SELECT setval($1, COALESCE((SELECT MAX("{column["name"]}") '  # nosec B608
                f'FROM "{table}"), 0) + 1, false)',
                column["sequence"],
            )
    return copied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--database-url", help="then copy the jobs into this empty database (e.g. PostgreSQL)"
    )
    arguments = parser.parse_args()
    generate_database(
        arguments.path,
        jobs=arguments.jobs,
        organizations=arguments.organizations,
        seed=arguments.seed,
        progress=True,
    )
    if arguments.database_url:
        started = perf_counter()
        count = copy_database(arguments.path, arguments.database_url, progress=True)
        print(f"Copied {count:,} rows in {perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
