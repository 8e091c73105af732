"""raw layer: mirror the seeds folder into ``raw.source_files``.

Merge rules (files are read and committed 256 at a time):

- a path whose bytes are unchanged (same file_id) keeps its row, including
  its original ``ingested_at``: reruns change nothing;
- a new path, or a path whose bytes changed, gets a fresh row (replacing the
  old one for that path);
- a path whose bytes are unchanged but whose reading changed (status,
  encoding or error: a rejected file that a newer reader decodes, say) also
  gets a fresh row, so fixing the reader re-ingests what it used to reject;
- a path no longer present is retired: its row is deleted, and the cleaned
  and modeled layers drop whatever only it produced on their next step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from etl import contract
from etl.ingest import SourceFile, discover, file_keys, read_source_file
from etl.warehouse import commit_batch, delete_keys, insert_arrow, transaction

SOURCE_FILES_SCHEMA = contract.arrow_schema("raw.source_files")


@dataclass
class RawStats:
    seen: int = 0
    ok: int = 0
    rejected: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    retired: int = 0
    rejected_files: list[tuple[str, str]] = field(default_factory=list)


def to_arrow(files: list[SourceFile]) -> pa.Table:
    rows = [asdict(f) for f in files]
    return pa.Table.from_pylist(rows, schema=SOURCE_FILES_SCHEMA)


FILE_BATCH = 256  # files read and written per step (memory does not grow with the folder)


def seed_paths(seeds_dir: Path, listed: list[Path] | None = None) -> dict[str, Path]:
    """Every entry of the seeds folder by the key stored for it (``raw.source_files.path``, the
    partition key): relative, forward slashes, always valid UTF-8, one key per file even when two
    byte-different names read the same (see etl.ingest.file_keys).

    ``listed``: the folder's entries as :func:`etl.ingest.discover` returned them (listed here when
    None). A caller that wants to count files independently of the keys lists once and passes it.
    """
    return file_keys(discover(seeds_dir) if listed is None else listed, seeds_dir)


def sync_source_files(conn: duckdb.DuckDBPyConnection, seeds_dir: Path, paths: list[str] | None = None, *,
                      batch_size: int = FILE_BATCH) -> RawStats:
    """Mirror ``seeds_dir`` (or only ``paths`` of it, for a partitioned run) into raw.source_files.

    Retirement is always global: a row whose path no longer exists on disk is
    removed whichever subset is being read. Files are read and written
    ``batch_size`` at a time, each batch one transaction, so memory does not
    grow with the size of the folder; a run killed between batches leaves whole
    batches, and the next run reads the rest.
    """
    by_name = seed_paths(seeds_dir)
    present = set(by_name)
    if paths is None:
        todo = list(by_name.items())
    else:  # partition keys are the stored names; a key whose file is gone is retired, not read
        todo = [(p, by_name[p]) for p in sorted(set(paths)) if p in by_name]
    existing = {path: tuple(rest) for path, *rest in conn.execute(
        "SELECT path, file_id, status, encoding, error FROM raw.source_files").fetchall()}
    stats = RawStats(seen=len(todo))
    with transaction(conn):
        for lo in range(0, len(todo), batch_size):
            files = [read_source_file(p, seeds_dir, key=key) for key, p in todo[lo:lo + batch_size]]
            changed: list[SourceFile] = []
            for f in files:
                old = existing.get(f.path)
                if old is None:
                    stats.added += 1
                    changed.append(f)
                elif old != (f.file_id, f.status, f.encoding, f.error):
                    stats.replaced += 1
                    changed.append(f)
                else:
                    stats.unchanged += 1
                if f.status == "ok":
                    stats.ok += 1
                else:
                    stats.rejected += 1
                    stats.rejected_files.append((f.path, f.error or ""))
            delete_keys(conn, "raw.source_files", "path", [f.path for f in changed if f.path in existing])
            insert_arrow(conn, "raw.source_files", to_arrow(changed))
            commit_batch(conn)
        gone = sorted(set(existing) - present)
        stats.retired = len(gone)
        delete_keys(conn, "raw.source_files", "path", gone)
    return stats
