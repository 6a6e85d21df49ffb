"""PostgreSQL backend (psycopg 3 + a connection pool), for several replicas on one database.

Claims use FOR UPDATE SKIP LOCKED, so replicas never wait on each other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.errors import ConfigError
from bot.service.store import redact_url
from bot.service.store_sql import Cursor, SqlStore

_MIGRATION_LOCK = 0x70616E6963  # any constant; "panic"
_CONNECT_TIMEOUT_S = 10.0
ACK_CONNECTIONS = 4  # as many as the queue's ack threads


class PostgresStore(SqlStore):
    backend = "postgresql"
    _serial = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    _claim_suffix = " FOR UPDATE OF j SKIP LOCKED"

    def __init__(
        self, url: str, *, pool_size: int = 4, connect_timeout: float = _CONNECT_TIMEOUT_S
    ) -> None:
        self._shown = redact_url(url)
        self._pool = _pool(url, max(1, pool_size), connect_timeout)
        # Webhook acks get connections of their own: never queued behind workers.
        self._acks = _pool(url, ACK_CONNECTIONS, connect_timeout)
        try:
            self._pool.wait(timeout=connect_timeout)
            self._acks.wait(timeout=connect_timeout)
        except (psycopg.Error, OSError, PoolTimeout) as exc:
            self.close()
            raise ConfigError(
                f"PANICSCAN_DATABASE_URL: cannot connect to {self._shown}: {exc}"
            ) from exc

    def __repr__(self) -> str:
        return f"PostgresStore({self._shown!r})"

    @contextmanager
    def _tx(self) -> Iterator[Cursor]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    @contextmanager
    def _ack_tx(self) -> Iterator[Cursor]:
        with self._acks.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    def _lock_migrations(self, cur: Cursor) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))

    def is_ready(self) -> bool:
        try:
            return super().is_ready()
        except psycopg.Error:
            return False

    def close(self) -> None:
        self._acks.close()
        self._pool.close()


def _pool(url: str, size: int, timeout: float) -> ConnectionPool:
    # open=True starts connecting in the background; `wait` reports a bad URL or host.
    return ConnectionPool(
        url, min_size=1, max_size=size, timeout=timeout, open=True, kwargs={"autocommit": False}
    )
