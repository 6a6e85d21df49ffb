"""Versioned schema migrations, the same SQL for SQLite and PostgreSQL.

`{serial}` is the one dialect difference (an auto-increment primary key); times are
epoch seconds as floats so both backends compare them the same way. Append new
migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE deliveries (
            id TEXT PRIMARY KEY,
            event TEXT NOT NULL,
            received_at DOUBLE PRECISION NOT NULL,
            status TEXT NOT NULL
        );
        CREATE TABLE jobs (
            id {serial},
            delivery_id TEXT NOT NULL,
            event TEXT NOT NULL,
            pr_key TEXT,
            head_sha TEXT,
            payload TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            run_at DOUBLE PRECISION NOT NULL,
            lease_owner TEXT,
            lease_until DOUBLE PRECISION,
            created_at DOUBLE PRECISION NOT NULL,
            finished_at DOUBLE PRECISION,
            last_error TEXT
        );
        CREATE INDEX jobs_claimable ON jobs (status, run_at);
        CREATE INDEX jobs_by_pr ON jobs (pr_key, status);
        CREATE TABLE waivers (
            id {serial},
            repo TEXT NOT NULL,
            pr_number INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            author TEXT NOT NULL,
            reason TEXT NOT NULL,
            comment_id BIGINT,
            created_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX waivers_by_pr ON waivers (repo, pr_number);
        CREATE TABLE posted_comments (
            repo TEXT NOT NULL,
            pr_number INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            comment_id BIGINT NOT NULL,
            thread_id TEXT,
            posted_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (repo, pr_number, fingerprint)
        );
        CREATE TABLE check_runs (
            repo TEXT NOT NULL,
            head_sha TEXT NOT NULL,
            check_run_id BIGINT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (repo, head_sha)
        );
        """,
    ),
    (
        2,
        # Claims look only at unfinished jobs; without this index every claim scans
        # the whole history, and gets slower with every review.
        """
        DROP INDEX jobs_claimable;
        CREATE INDEX jobs_open ON jobs (run_at, id) WHERE status IN ('queued', 'running');
        CREATE INDEX deliveries_by_age ON deliveries (received_at);
        """,
    ),
    (
        3,
        # Waivers carry the whole audit trail (which rule, file and head it was given
        # at); handled commands make an edited comment repeat none of its commands.
        """
        ALTER TABLE waivers ADD COLUMN rule TEXT NOT NULL DEFAULT '';
        ALTER TABLE waivers ADD COLUMN path TEXT NOT NULL DEFAULT '';
        ALTER TABLE waivers ADD COLUMN head_sha TEXT NOT NULL DEFAULT '';
        ALTER TABLE waivers ADD COLUMN created TEXT NOT NULL DEFAULT '';
        CREATE UNIQUE INDEX waivers_unique ON waivers (repo, pr_number, fingerprint);
        CREATE TABLE handled_commands (
            comment_id BIGINT NOT NULL,
            command TEXT NOT NULL,
            handled_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (comment_id, command)
        );
        """,
    ),
    (
        4,
        # The delivery id header is not signed: a captured body replayed under a new id
        # is caught by the digest of the (signed) body within the replay window.
        """
        CREATE TABLE payload_digests (
            digest TEXT PRIMARY KEY,
            delivery_id TEXT NOT NULL,
            seen_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX payload_digests_by_age ON payload_digests (seen_at);
        """,
    ),
    (
        5,
        # Bumped by a push to a repository's default branch: every replica's cached
        # config (and clippy.toml) of that repository is stale from then on.
        """
        CREATE TABLE config_generations (
            repo TEXT PRIMARY KEY,
            generation BIGINT NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        );
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1][0]


def statements(sql: str, serial: str) -> list[str]:
    """One migration's statements, with the dialect's auto-increment key filled in."""
    text = sql.replace("{serial}", serial)
    return [s.strip() for s in text.split(";") if s.strip()]
