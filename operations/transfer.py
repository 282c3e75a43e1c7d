"""Export and import of a network's data: every row of every model, as versioned JSON Lines.

The file is one JSON object per line. The first is the header:
    {"format": "amicus-export", "version": 1, "schema": ["directory.0001_initial", ...]}
then one line per row, tables in an order where a row only refers to rows before it:
    {"table": "organization", "row": {"id": 1, "slug": "...", ...}}
Values are JSON: text, numbers, booleans and null as they are; dates and times in ISO 8601
(times in UTC); decimal numbers as strings. The one table left out is a counter that
migrations create and that moves on by itself. Account password hashes are left out (the value
is "", which no password matches, so people set a new one by password reset) unless the
export is asked to include them.

Both directions stream: rows are read and written in batches by primary key, so memory does
not grow with the data. The same data gives the same bytes on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any

from tortoise import Tortoise, connections
from tortoise.fields import DateField, DatetimeField, DecimalField
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance
from tortoise.migrations.recorder import MigrationRecorder
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.database import dialect, schema_state
from operations.backup import SEEDED_BY_MIGRATIONS, OperationError

FORMAT = "amicus-export"
VERSION = 1
BATCH = 500
PASSWORD_FIELD = ("account", "password_hash")


def models_in_order() -> list[type[Model]]:
    """Every model that holds data, each after the models it refers to. Left out: the tables
    migrations seed (a change counter for caches, which moves on by itself on import)."""
    remaining = {
        model
        for app in Tortoise.apps.values()
        for model in app.values()
        if model._meta.db_table not in SEEDED_BY_MIGRATIONS
    }
    ordered: list[type[Model]] = []
    while remaining:
        ready = sorted(
            (
                model
                for model in remaining
                if all(target not in remaining or target is model for target in _references(model))
            ),
            key=lambda model: model._meta.db_table,
        )
        if not ready:
            raise OperationError("the models refer to each other in a cycle")
        ordered.extend(ready)
        remaining -= set(ready)
    return ordered


def _references(model: type[Model]) -> Iterable[type[Model]]:
    for name in model._meta.fk_fields | model._meta.o2o_fields:
        field = model._meta.fields_map[name]
        assert isinstance(field, ForeignKeyFieldInstance | OneToOneFieldInstance)
        yield field.related_model


def _columns(model: type[Model]) -> dict[str, Any]:
    """Column name -> field, for the columns the model stores."""
    return {
        field.source_field or name: field
        for name, field in model._meta.fields_map.items()
        if name in model._meta.db_fields
    }


def _to_json(field: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, DatetimeField):
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(field, DateField):
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    if isinstance(field, DecimalField):
        return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool) or field.field_type is bool:
        return bool(value)
    return value


def _from_json(field: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, DatetimeField):
        return datetime.fromisoformat(value)
    if isinstance(field, DateField):
        return date.fromisoformat(value)
    if isinstance(field, DecimalField):
        return Decimal(value)
    return value


async def _rows(model: type[Model]) -> AsyncIterator[dict[str, Any]]:
    """The model's rows by primary key, read a batch at a time."""
    columns = _columns(model)
    pk = model._meta.db_pk_column
    last = None
    while True:
        query = model.all().order_by(model._meta.pk_attr).limit(BATCH)
        if last is not None:
            query = query.filter(**{f"{model._meta.pk_attr}__gt": last})
        batch = await query.values(*[model._meta.fields_db_projection_reverse[c] for c in columns])
        for row in batch:
            yield {
                column: _to_json(field, row[model._meta.fields_db_projection_reverse[column]])
                for column, field in columns.items()
            }
        if len(batch) < BATCH:
            return
        last = batch[-1][model._meta.fields_db_projection_reverse[pk]]


async def export(out: IO[str], *, with_password_hashes: bool = False) -> int:
    """Write every row of the open database to `out`; returns how many rows."""
    header = {"format": FORMAT, "version": VERSION, "schema": await _schema()}
    out.write(json.dumps(header, sort_keys=True) + "\n")
    count = 0
    for model in models_in_order():
        table = model._meta.db_table
        async for row in _rows(model):
            if (table, "password_hash") == PASSWORD_FIELD and not with_password_hashes:
                row["password_hash"] = ""
            out.write(json.dumps({"table": table, "row": row}, sort_keys=True) + "\n")
            count += 1
    return count


async def _schema() -> list[str]:
    state = await schema_state()
    if state.pending or state.unknown:
        raise OperationError("The database schema is not current; run `amicus migrate` first.")
    applied = await MigrationRecorder(connections.get("default")).applied_migrations()
    return sorted(f"{key.app_label}.{key.name}" for key in applied)


async def import_(lines: Iterable[str]) -> int:
    """Load an export into the open, empty, migrated database, all or nothing; returns how
    many rows."""
    async with in_transaction():
        return await _import(lines)


async def _import(lines: Iterable[str]) -> int:
    iterator = iter(lines)
    try:
        header = json.loads(next(iterator))
    except (StopIteration, ValueError) as error:
        raise OperationError("The file is not an Amicus export (no header line).") from error
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise OperationError(
            f"The file is not an Amicus export of version {VERSION} "
            f"(format {header.get('format')!r}, version {header.get('version')!r})."
        )
    if header.get("schema") != await _schema():
        raise OperationError(
            "The export was made with a different schema; import it with the same version of "
            "Amicus that made it, then upgrade."
        )
    tables = {model._meta.db_table: model for model in models_in_order()}
    for table, model in tables.items():
        if await model.exists():
            raise OperationError(f"The database is not empty ({table} has rows).")
    count = 0
    pending: list[dict[str, Any]] = []
    current = ""
    for number, line in enumerate(iterator, start=2):
        try:
            item = json.loads(line)
            table, row = item["table"], item["row"]
            if table not in tables:
                raise KeyError(table)
        except (ValueError, KeyError, TypeError) as error:
            raise OperationError(f"Line {number} is not a row of a known table.") from error
        if table != current or len(pending) >= BATCH:
            await _insert(tables.get(current), pending)
            pending, current = [], table
        pending.append(row)
        count += 1
    await _insert(tables.get(current), pending)
    await _reset_sequences(tables.values())
    return count


async def _insert(model: type[Model] | None, rows: list[dict[str, Any]]) -> None:
    """Insert rows as they are: raw SQL, so that auto_now fields keep their exported times."""
    if model is None or not rows:
        return
    columns = _columns(model)
    names = list(columns)
    if dialect() == "postgres":
        marks = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    else:
        marks = ", ".join("?" for _ in names)
    quoted = ", ".join(f'"{name}"' for name in names)
    sql = f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES ({marks})'  # nosec B608
    values = [[_from_json(columns[name], row.get(name)) for name in names] for row in rows]
    await connections.get("default").execute_many(sql, values)


async def _reset_sequences(models: Iterable[type[Model]]) -> None:
    """PostgreSQL's id sequences continue after the imported ids (SQLite's do by themselves)."""
    if dialect() != "postgres":
        return
    for model in models:
        table, pk = model._meta.db_table, model._meta.db_pk_column
        await connections.get("default").execute_query(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), "  # nosec B608
            f'COALESCE((SELECT MAX("{pk}") FROM "{table}"), 0) + 1, false)'
        )
