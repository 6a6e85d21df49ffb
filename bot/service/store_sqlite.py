"""SQLite backend: one file, WAL mode, zero set-up. Several processes may share the file.

Every transaction starts with BEGIN IMMEDIATE, so it holds SQLite's single write lock
from the first statement: a claim can never race another process's claim, which is
what FOR UPDATE SKIP LOCKED gives PostgreSQL.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bot.errors import ConfigError
from bot.service.store_sql import Cursor, SqlStore

_BUSY_TIMEOUT_S = 30.0


class _QmarkCursor:
    """sqlite3 wants `?` placeholders; the shared SQL is written with `%s`."""

    def __init__(self, cur: sqlite3.Cursor) -> None:
        self._cur = cur

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        return self._cur.execute(_to_qmark(sql), tuple(params))

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()


def _to_qmark(sql: str, _cache: dict[str, str] = {}) -> str:  # noqa: B006 - a deliberate memo
    cached = _cache.get(sql)
    if cached is None:
        cached = _cache[sql] = re.sub(r"%s", "?", sql)
    return cached


class SqliteStore(SqlStore):
    backend = "sqlite"
    _serial = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: str) -> None:
        self.path = path
        # One connection shared by the worker threads, serialised by a lock: SQLite
        # has one writer anyway, and this keeps the WAL readers simple.
        try:
            self._conn = sqlite3.connect(
                path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise ConfigError(f"PANICSCAN_DATABASE_URL: cannot open {path!r}: {exc}") from exc
        self._lock = threading.Lock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit is in the OS before the 202, so it survives the
        # process dying (kill -9, OOM); only an OS crash or power cut can lose the last
        # commits. FULL would fsync every commit, in the ack path.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints run from `maintain` on their own connection, never inside an ack.
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = sqlite3.connect(
            path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    @contextmanager
    def _tx(self) -> Iterator[Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield _QmarkCursor(cur)
            except BaseException:
                self._conn.rollback()
                raise
            else:
                self._conn.commit()
            finally:
                cur.close()

    def _lock_migrations(self, cur: Cursor) -> None:
        """BEGIN IMMEDIATE already excludes every other writer."""

    def is_ready(self) -> bool:
        try:
            return super().is_ready()
        except sqlite3.Error:
            return False

    def maintain(self) -> None:
        """Copy the WAL back into the database file (PASSIVE: never blocks a writer)."""
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        self._checkpointer.close()
