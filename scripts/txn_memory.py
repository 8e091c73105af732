"""Peak RSS of inserting N rows into DuckDB in one transaction vs a commit per batch (docs/BENCHMARKS.md).

    .venv/bin/python scripts/txn_memory.py 1600000 pk            # one transaction, VARCHAR primary key
    .venv/bin/python scripts/txn_memory.py 1600000 pk per-batch  # the same rows, committed per batch
    .venv/bin/python scripts/txn_memory.py 800000 nopk           # one transaction, no key
"""
import hashlib
import resource
import sys
import tempfile

import duckdb
import pyarrow as pa

n, pk, per_batch = int(sys.argv[1]), sys.argv[2] == "pk", "per-batch" in sys.argv[3:]
d = tempfile.mkdtemp()
c = duckdb.connect(f"{d}/t.duckdb", config={"memory_limit": "512MB"})
c.execute(f"CREATE TABLE t (id VARCHAR {'PRIMARY KEY' if pk else ''}, body VARCHAR)")
c.execute("BEGIN")
B = 50_000
for lo in range(0, n, B):
    ids = [hashlib.sha256(str(i).encode()).hexdigest()[:16] for i in range(lo, min(n, lo + B))]
    tbl = pa.table({"id": ids, "body": ["这是一段新闻正文，" * 20] * len(ids)})
    c.register("x", tbl)
    c.execute("INSERT INTO t SELECT * FROM x")
    c.unregister("x")
    if per_batch:
        c.execute("COMMIT")
        c.execute("BEGIN")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
c.execute("COMMIT")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"rows {n:,} pk={pk} per_batch={per_batch}: peak RSS before commit {before} MiB, after commit {after} MiB")
