"""The one-screen summary printed at the end of a run (and reusable in tests)."""

from __future__ import annotations

from etl.backends import backend_for
from etl.config import Settings


def summary_text(settings: Settings, seconds: float | None = None) -> str:
    backend = backend_for(settings)
    with backend.reader() as conn:
        q = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        seen = q("SELECT count(*) FROM raw.source_files")
        ok = q("SELECT count(*) FROM raw.source_files WHERE status = 'ok'")
        rejected = conn.execute(
            "SELECT path, error FROM raw.source_files WHERE status = 'rejected' ORDER BY path").fetchall()
        pages = q("SELECT count(*) FROM cleaned.pages")
        articles = q("SELECT count(*) FROM modeled.fact_articles")
        metrics = q("SELECT count(*) FROM modeled.fact_metrics")
        undated = q("SELECT count(*) FROM modeled.fact_articles WHERE date_key = -1")
        districts = q("SELECT count(DISTINCT district_key) FROM modeled.article_districts")
        outlets = conn.execute(
            "SELECT o.outlet_name, count(*) FROM modeled.fact_articles f JOIN modeled.dim_outlet o USING (outlet_key) "
            "GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    lines = [
        "",
        "Qingdao news warehouse — run summary",
        "=" * 40,
        f"files read        {seen}  (ok {ok}, rejected {len(rejected)})",
    ]
    lines += [f"  rejected: {p} — {e}" for p, e in rejected]
    lines += [
        f"distinct pages    {pages}",
        f"articles          {articles}  ({undated} without an established year)",
        f"metrics           {metrics}",
        f"places named      {districts} distinct districts/streets/communities",
        "articles/outlet   " + ", ".join(f"{n} {c}" for n, c in outlets),
    ]
    if seconds is not None:
        lines.append(f"time taken        {seconds:.1f} s")
    lines += [""] + [f"{label:<17} {value}" for label, value in backend.describe()]
    lines.append(f"Parquet exports   {settings.exports_dir}/")
    if backend.name != "embedded":
        return "\n".join(lines)
    lines += [
        f"query read-only:  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{settings.db_path}', read_only=True).sql('FROM modeled.fact_articles LIMIT 5'))\"",
    ]
    return "\n".join(lines)
