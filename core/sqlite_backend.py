"""Tortoise's SQLite backend, with write transactions that take the write lock up front.

SQLite's plain BEGIN starts a read transaction that becomes a write at its first change. If
another process commits a write in between, the upgrade cannot wait for the lock (the
transaction's snapshot is already stale) and fails at once with "database is locked",
busy timeout or not. BEGIN IMMEDIATE takes the write lock when the transaction starts, where
the busy timeout applies, so writers in several processes wait for each other instead.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise TransactionManagementError(error) from error


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


# What Tortoise looks up in the module named as a connection's "engine".
client_class = ImmediateSqliteClient
