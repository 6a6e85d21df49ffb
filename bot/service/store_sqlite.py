"""SQLite backend: one file, WAL mode, zero set-up. Several processes may share the file.

Every writing transaction starts with BEGIN IMMEDIATE, so it holds SQLite's single
write lock from the first statement: a claim can never race another process's claim,
which is what FOR UPDATE SKIP LOCKED gives PostgreSQL. Reads run on a connection of
their own and take no write lock (WAL readers never wait for the writer), so a scrape
or an idle worker's poll never makes a webhook's commit wait.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bot.errors import ConfigError
from bot.service.store import Acceptance, ClaimedJob, NewJob
from bot.service.store_sql import CLAIM_SQL, Cursor, SqlStore

_BUSY_TIMEOUT_S = 30.0
# Waiting for another process's write lock: SQLite's own busy handler sleeps 1, 2, 5,
# 10 ms... between tries, so a lock held for 0.3 ms could cost an ack 18 ms. Writers
# hold it for well under a millisecond, so BEGIN IMMEDIATE retries at this pace.
_LOCK_RETRY_S = (0.0002, 0.0005, 0.001, 0.002)


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
        self._conn.execute("PRAGMA busy_timeout=0")  # BEGIN IMMEDIATE retries itself
        # NORMAL in WAL mode: a commit is in the OS before the 202, so it survives the
        # process dying (kill -9, OOM); only an OS crash or power cut can lose the last
        # commits. FULL would fsync every commit, in the ack path.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints run from `maintain` on their own connection, never inside an ack.
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = sqlite3.connect(
            path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._reader = sqlite3.connect(
            path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._read_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    @contextmanager
    def _tx(self) -> Iterator[Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            _begin_immediate(cur)
            with self._committing(cur) as wrapped:
                yield wrapped

    @contextmanager
    def _committing(self, cur: sqlite3.Cursor) -> Iterator[Cursor]:
        """The rest of a transaction that holds the write lock: commit, or roll back."""
        try:
            yield _QmarkCursor(cur)
        except BaseException:
            self._conn.rollback()
            raise
        else:
            self._conn.commit()
        finally:
            cur.close()

    def accept_now(self, job: NewJob, now: float) -> Acceptance | None:
        """Called on the event loop: an ack's insert takes ~0.3 ms, but in a thread each
        of its statements waits to get the GIL back from the loop, which cost more than
        the insert. So it runs here when the write lock is free, and never waits for it."""
        if not self._lock.acquire(blocking=False):
            return None  # a worker thread of this process writes: wait in a thread
        try:
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                cur.close()
                if _busy(exc):
                    return None  # another process writes
                raise
            with self._committing(cur) as wrapped:
                return self._accept(wrapped, job, now)
        finally:
            self._lock.release()

    @contextmanager
    def _read_tx(self) -> Iterator[Cursor]:
        with self._read_lock:
            cur = self._reader.cursor()
            cur.execute("BEGIN")  # deferred: a read snapshot, never the write lock
            try:
                yield _QmarkCursor(cur)
            finally:
                self._reader.rollback()  # nothing to keep: ends the snapshot
                cur.close()

    def claim(self, now: float, lease_seconds: float) -> ClaimedJob | None:
        # Look first without the write lock: idle workers poll often and find nothing.
        with self._read_tx() as cur:
            cur.execute(CLAIM_SQL, (now, now))
            if cur.fetchone() is None:
                return None
        return super().claim(now, lease_seconds)

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
        with self._read_lock:
            self._reader.close()
        self._checkpointer.close()


def _begin_immediate(cur: sqlite3.Cursor) -> None:
    """Take the write lock, retrying briskly while another process holds it."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    tries = 0
    while True:
        try:
            cur.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() > deadline:
                raise
        time.sleep(_LOCK_RETRY_S[min(tries, len(_LOCK_RETRY_S) - 1)])
        tries += 1


def _busy(exc: sqlite3.OperationalError) -> bool:
    return exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # any SQLITE_BUSY_* variant
