"""Every use of Tortoise ORM's private API, in one place.

The application reaches below the ORM's public surface for a few things it has no public way
to do: the SQL of a queryset without running it (to wrap as a subquery, or to read its rows
without building model instances), UPDATE and INSERT statements with placeholders for
executemany, the database form of a field value, a new instance made without the per-field
conversions, and the database client a transaction runs on. Nothing outside this module
touches a `_`-prefixed ORM name;
tests/test_orm_internals.py checks each function against the installed version, and
pyproject.toml pins tortoise-orm to the minor version those tests were run with.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.models import Model
from tortoise.queryset import ValuesListQuery, ValuesQuery

ModelT = TypeVar("ModelT", bound=Model)

# The minor version whose private API this module was written and tested against.
TESTED_TORTOISE = (1, 1)


def query_sql(
    query: ValuesQuery[Any] | ValuesListQuery[Any], *, ordered: bool = True
) -> tuple[str, list[Any]]:
    """The parameterized SQL a values()/values_list() query would run, without running it.

    ordered=False drops its ORDER BY, for use as a subquery (an ORDER BY there stops SQLite
    from flattening it into the outer query)."""
    query._choose_db_if_not_chosen()
    query._make_query()
    if not ordered:
        query.query._orderbys = []
    sql, params = query.query.get_parameterized_sql()
    return sql, list(params)


def column_converters(
    query: ValuesListQuery[Any], model: type[Model], columns: Sequence[str]
) -> list[Callable[[Any], Any]]:
    """For each column of a values_list query, the ORM's conversion of its stored value."""
    return [query.resolve_to_python_value(model, column) for column in columns]


def update_sql(
    connection: BaseDBAsyncClient,
    model: type[Model],
    fields: Sequence[str],
    match_columns: Sequence[str],
) -> str:
    """UPDATE of these fields of `model`'s table where every match column equals its
    parameter; parameters in order: the fields' values, then the match columns' values."""
    meta = model._meta
    table = meta.basetable
    executor = connection.executor_class(model=model, db=connection)
    query = connection.query_class.update(table)
    for position, field in enumerate(fields):
        query = query.set(meta.fields_db_projection[field], executor.parameter(position))
    for offset, column in enumerate(match_columns):
        query = query.where(table[column] == executor.parameter(len(fields) + offset))
    return query.get_sql()


def insert_sql(connection: BaseDBAsyncClient, model: type[Model], fields: Sequence[str]) -> str:
    """INSERT of these fields of `model`'s table, with one parameter each in order, for
    executemany: rows go in without building a model instance each."""
    meta = model._meta
    executor = connection.executor_class(model=model, db=connection)
    columns = [meta.fields_db_projection[field] for field in fields]
    query = connection.query_class.into(meta.basetable).columns(*columns)
    query = query.insert(*(executor.parameter(position) for position in range(len(fields))))
    return query.get_sql()


def primary_key_column(model: type[Model]) -> str:
    return model._meta.db_pk_column


def to_db_value(model: type[Model], field: str, value: Any) -> Any:
    """A field value as the database stores it (enums as their values, dates as the
    dialect writes them)."""
    return model._meta.fields_map[field].to_db_value(value, None)


def new_instance(template: ModelT, values: dict[str, Any]) -> ModelT:
    """A new, unsaved instance: `template` (a fresh instance holding the model's defaults)
    with `values` set, without the ORM's per-field conversion and checks, which cost more than
    the rest of an import's preparation of a job. Only for values already of their fields'
    Python types (enums, Decimals, aware datetimes), of models without callable defaults."""
    clone = copy.copy(template)
    state = vars(clone)
    state["_await_when_save"] = {}
    state.update(values)
    return clone


def outside_transaction(connection: BaseDBAsyncClient) -> BaseDBAsyncClient:
    """The client a transaction runs on, which says which database it is (the ORM keeps the
    link only as a private attribute)."""
    while isinstance(connection, TransactionalDBClient):
        connection = connection._parent  # noqa: SLF001
    return connection
