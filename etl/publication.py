"""Publishing on the DuckLake backend: one audited snapshot, recorded in the catalog every host shares.

Write-audit-publish on a lake that several hosts write at once:

1. the publish step opens one transaction on the lake; DuckLake pins the snapshot the transaction
   reads (``current_snapshot()`` stays the same while other hosts commit);
2. it runs the blocking checks (``audit``) in that transaction, so they read exactly that snapshot;
3. only if none fails, it appends a row to ``ops.publications`` in the same transaction and commits.

The published snapshot is therefore the one the checks read, by construction, whatever other runs
commit meanwhile, and it lives in the catalog, not in a file of the host that happened to publish:
every host, and every reader, sees the same answer. Readers of audited data attach at it::

    ATTACH 'ducklake:<catalog>' AS lake (SNAPSHOT_VERSION <snapshot_id>, READ_ONLY)

(:func:`latest` gives the row; ``etl.backends.LakeBackend.reader`` does this attach.)
"""

from __future__ import annotations

import socket
from typing import Callable

import duckdb

from etl.lake import LAKE_ALIAS, catalog_display

TABLE = "ops.publications"
DDL = f"""
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS {TABLE} (
    snapshot_id   BIGINT,                    -- the lake snapshot published (read by the audit)
    published_at  TIMESTAMP WITH TIME ZONE,
    run_id        VARCHAR,                   -- the Dagster run that published it
    host          VARCHAR,                   -- where that run ran
    checks        INTEGER                    -- blocking checks the audit ran at snapshot_id, all passed
);
"""


class AuditFailed(RuntimeError):
    """A blocking check failed at the snapshot about to be published: nothing was published."""


def current_snapshot(conn: duckdb.DuckDBPyConnection) -> int:
    """The snapshot this connection reads (inside a transaction: the one pinned when it began)."""
    return conn.execute(f"SELECT id FROM {LAKE_ALIAS}.current_snapshot()").fetchone()[0]


def _has_table(conn: duckdb.DuckDBPyConnection) -> bool:
    return bool(conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? "
                             "AND table_schema = 'ops' AND table_name = 'publications'", [LAKE_ALIAS]).fetchone()[0])


def ensure_table(conn: duckdb.DuckDBPyConnection) -> None:
    if _has_table(conn):
        return
    try:
        conn.execute(DDL)
    except duckdb.Error:  # another host created it at the same moment
        if not _has_table(conn):
            raise


def latest(conn: duckdb.DuckDBPyConnection) -> dict | None:
    """The last publication (the snapshot readers should attach), or None before the first."""
    if not _has_table(conn):
        return None
    row = conn.execute(f"SELECT snapshot_id, published_at, run_id, host, checks FROM {LAKE_ALIAS}.{TABLE} "
                       "ORDER BY published_at DESC, snapshot_id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return dict(zip(("snapshot_id", "published_at", "run_id", "host", "checks"), row))


def attach_statement(settings, snapshot_id: int) -> str:
    return f"ATTACH 'ducklake:{catalog_display(settings)}' AS lake (SNAPSHOT_VERSION {snapshot_id}, READ_ONLY)"


def publish(conn: duckdb.DuckDBPyConnection, settings, audit: Callable[[duckdb.DuckDBPyConnection], tuple[int, list[str]]],
            run_id: str | None = None) -> dict:
    """Audit the lake at one snapshot and publish that snapshot (see the module docstring).

    ``audit(conn)`` runs the blocking checks on ``conn`` and returns (checks run, failures); any
    failure raises :class:`AuditFailed` with nothing published.
    """
    ensure_table(conn)
    conn.execute("BEGIN TRANSACTION")
    try:
        sid = current_snapshot(conn)
        ran, failures = audit(conn)
        if failures:
            raise AuditFailed(f"not published: {len(failures)} blocking check(s) failed at lake snapshot {sid}: "
                              + "; ".join(failures[:10]))
        conn.execute(f"INSERT INTO {LAKE_ALIAS}.{TABLE} VALUES (?, now(), ?, ?, ?)",
                     [sid, run_id or "", socket.gethostname(), ran])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"snapshot_id": sid, "checks": ran, "attach": attach_statement(settings, sid)}
