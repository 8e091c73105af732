"""Our date rules (etl/parse/dates.py) vs jionlp vs dateparser on every hand-read expected article.

    .venv/bin/python scripts/compare_date_parsers.py                  # prints the markdown report
    .venv/bin/python scripts/compare_date_parsers.py --out docs/date-parser-comparison.md

Run from the project root with the project venv. Three steps:

1. library venv: ``.cache/date-parser-venv`` under the project root, created with
   ``python3 -m venv`` and ``pip install jionlp==1.5.31 dateparser==1.5.0`` when it is missing
   or holds other versions (reused otherwise). Its setup is logged on stderr.
2. our side, in this process: every page of the scored sets -- found as etl/evaluation.py finds
   them: tests/corpus, every tests/holdout*/ (pages/ + expected_*.yaml), seeds/ with
   tests/fixtures/seeds_expected.yaml -- goes through ``etl.parse.run_rules``; predicted articles
   are matched to expected ones exactly as etl.evaluation does (``words``, ``MATCH_WINDOW``).
   Each matched article gives one record: expected date, our news_date, and the inputs a
   library user would have (printed page-date line, the page's named year, dateline marker or
   dated credit, first lead clause).
3. library side: ``scripts/_date_parsers_libs.py`` runs in the library venv on those records
   (JSON through a temporary file) and returns jionlp's and dateparser's dates and call times.

The report (stdout, or the file ``--out`` names): accuracy (news_date equals the hand-read date,
or both null) per page kind and per set, page dates read by the libraries, the cases a library
gets right and our rules wrong, every article our rules get wrong, every disagreement, per-call
times and the library versions. Paths in it are relative to the project root.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

sys.dont_write_bytecode = True   # leave no __pycache__ in etl/ or scripts/

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LIB_SCRIPT = HERE / "_date_parsers_libs.py"
VENV = ROOT / ".cache" / "date-parser-venv"
PINS = {"jionlp": "1.5.31", "dateparser": "1.5.0"}
REPEAT = 5   # run_rules / R10 runs per page; the median is reported
METHODS = ("ours", "jionlp", "dateparser", "jionlp_naive", "dateparser_naive", "dateparser_hint")

if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))


def log(msg: str) -> None:
    print(f"[compare_date_parsers] {msg}", file=sys.stderr, flush=True)


def rel(p: Path) -> str:
    p = Path(os.path.abspath(p))   # no resolve(): a venv's python is a symlink
    try:
        return p.relative_to(ROOT).as_posix()
    except ValueError:
        return str(p)


# ------------------------------------------------------------------ library venv
def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def installed_versions(py: Path) -> dict[str, str | None] | None:
    """Versions of the pinned packages in the venv; None when its interpreter does not run."""
    code = ("import json, importlib.metadata as md\n"
            "def v(p):\n"
            "    try: return md.version(p)\n"
            "    except md.PackageNotFoundError: return None\n"
            f"print(json.dumps({{p: v(p) for p in {sorted(PINS)!r}}}))")
    try:
        out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None


def ensure_venv(venv: Path = VENV) -> Path:
    """The library venv's interpreter: created and/or (re)installed when needed, else reused."""
    py = venv_python(venv)
    have = installed_versions(py) if py.exists() else None
    if have is None:
        base = shutil.which("python3") or sys.executable
        log(f"creating library venv {rel(venv)} ({base} -m venv)")
        subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True)
        # like Python >= 3.13's venv: the folder keeps itself out of git
        (venv / ".gitignore").write_text("# created by scripts/compare_date_parsers.py\n*\n", encoding="utf-8")
        have = installed_versions(py)
        if have is None:
            raise SystemExit(f"the new venv's interpreter {rel(py)} does not run")
    if have != PINS:
        specs = [f"{p}=={v}" for p, v in PINS.items()]
        log(f"library venv {rel(venv)} has {have}; installing {' '.join(specs)}")
        # pip's own output goes to stderr too: stdout is the report
        subprocess.run([str(py), "-m", "pip", "install", "--disable-pip-version-check", *specs],
                       check=True, stdout=sys.stderr)
        have = installed_versions(py)
        if have != PINS:
            raise SystemExit(f"library venv {rel(venv)} still has {have} after pip install, wanted {PINS}")
    else:
        log(f"reusing library venv {rel(venv)} ({', '.join(f'{p} {v}' for p, v in have.items())})")
    return py


# ------------------------------------------------------------------ our side (in-process)
def scored_sets() -> list[tuple[str, Path, Path]]:
    """(set name, pages folder, expected YAML), found and ordered as etl/evaluation.py does it:
    tests/corpus, every tests/holdout*/ round with a pages/ folder (one set per expected_*.yaml),
    seeds/ with tests/fixtures/seeds_expected.yaml."""
    tests = ROOT / "tests"
    out = [("corpus", tests / "corpus" / "pages", tests / "corpus" / "expected.yaml")]
    for folder in sorted(p for p in tests.glob("holdout*") if (p / "pages").is_dir()):
        for exp in sorted(folder.glob("expected_*.yaml")):
            out.append((f"{folder.name}:{exp.stem}", folder / "pages", exp))
    out.append(("seeds", ROOT / "seeds", tests / "fixtures" / "seeds_expected.yaml"))
    return out


@contextmanager
def seen_date_context(parse_mod, seen: dict):
    """Record the DateContext R10 hands date_articles (its text_year is the year our parser gives a
    page without a page date). Wraps etl.parse.date_articles in this process only; restored after."""
    original = parse_mod.date_articles

    def spy(articles, ctx):
        seen["ctx"] = ctx
        return original(articles, ctx)

    parse_mod.date_articles = spy
    try:
        yield
    finally:
        parse_mod.date_articles = original


def page_date_line(s, pd, find_date) -> tuple[str | None, str | None]:
    """The printed line holding the page date: a chrome/masthead line first, then any line, then front matter."""
    if pd is None:
        return None, None
    cands = [ln for ln in s.lines if not ln.blank and find_date(ln.text) == pd]
    chrome = [ln for ln in cands if ln.chrome]
    if chrome:
        return chrome[0].text, f"line:{chrome[0].chrome}"
    if cands:
        return cands[0].text, "line:text"
    fd = s.front.get("date") if s.front else None
    if fd and find_date(fd) == pd:
        return fd, "front_matter"
    return pd.isoformat(), "iso"


def run_ours() -> dict:
    """Our parser's dates and, per matched expected article, the inputs a library needs."""
    import etl
    import etl.parse as parse_mod
    from etl.evaluation import MATCH_WINDOW, load_expected, words
    from etl.parse import r_dates, run_rules
    from etl.parse.chrome import find_date
    from etl.parse.dates import LEAD_CLAUSE_RE

    records, pages, missed, crashed = [], [], [], []
    seen: dict = {}
    with seen_date_context(parse_mod, seen):
        for set_name, pages_dir, exp_path in scored_sets():
            for name, exp in sorted(load_expected(exp_path).items()):
                path = pages_dir / name
                where = rel(path)
                if not path.exists():
                    missed.append(f"{where}: page file missing")
                    continue
                text = path.read_text(encoding="utf-8")
                times = []
                seen.clear()
                try:
                    for _ in range(REPEAT):
                        t0 = time.perf_counter()
                        s = run_rules(text)
                        times.append(time.perf_counter() - t0)
                except Exception as exc:   # parse_page() would return an empty page: every article unmatched
                    crashed.append(f"{where}: run_rules raised {type(exc).__name__}: {exc}")
                    for e in exp.get("articles") or []:
                        missed.append(f"{where}: {e.get('title') or e['body_start']!r} (parser crashed)")
                    continue
                dtimes = []
                for _ in range(REPEAT):   # R10 alone (idempotent: date_articles resets every article first)
                    t0 = time.perf_counter()
                    r_dates(s)
                    dtimes.append(time.perf_counter() - t0)
                pd = s.meta.page_date
                pd_line, pd_src = page_date_line(s, pd, find_date)
                text_year = getattr(seen.get("ctx"), "text_year", None)
                pages.append({"set": set_name, "page": name, "path": where,
                              "seconds": statistics.median(times), "dates_seconds": statistics.median(dtimes),
                              "chars": len(text), "articles": len(s.articles)})
                preds = list(s.articles)
                used: set[int] = set()
                for e in exp.get("articles") or []:
                    key = words(e["body_start"])
                    hit = None
                    for i, a in enumerate(preds):
                        if i not in used and key and key in words(a.body)[: MATCH_WINDOW + len(key)]:
                            hit = i
                            break
                    if hit is None:
                        missed.append(f"{where}: {e.get('title') or e['body_start']!r}")
                        continue
                    used.add(hit)
                    a = preds[hit]
                    lead = s.leads.get(a.ordinal)
                    # the credit our parser took a dateline date from when no dateline marker opens the
                    # article ('（新华社北京1月2日电 记者…）' at its end, '据《东方早报》8月8日报道，'): builder
                    # arts and articles are built one to one (finish.build_articles)
                    dated_credit = None
                    arts = getattr(s.builder, "arts", [])
                    if a.dateline_text is None and a.dateline_day is not None and len(arts) == len(preds):
                        dated_credit = next((cr.raw for cr in arts[hit].credits
                                             if getattr(cr, "dateline", None) and cr.raw), None)
                    want = e.get("date")
                    records.append({
                        "set": set_name, "page": name, "path": where,
                        "kind": exp.get("kind") or s.meta.kind, "parsed_kind": s.meta.kind,
                        "ordinal": a.ordinal,
                        "title": a.title, "body_start": e["body_start"],
                        "expected": want.isoformat() if want else None,
                        "ours": a.news_date.isoformat() if a.news_date else None,
                        "ours_conf": a.date_confidence,
                        "page_date": pd.isoformat() if pd else None,
                        "page_date_line": pd_line, "page_date_source": pd_src,
                        "text_year": text_year,
                        "dateline_text": a.dateline_text,
                        "dated_credit": dated_credit,
                        "dateline_month": a.dateline_month, "dateline_day": a.dateline_day,
                        "lead": lead[:80] if lead else None,
                        "lead_clause": LEAD_CLAUSE_RE.match(lead).group(0) if lead else None,
                        "body_head": a.body[:60],
                    })
    etl_dir = Path(etl.__file__).resolve().parent
    src = sorted(etl_dir.rglob("*.py"))
    tree = {"etl": rel(etl_dir),
            "etl_sha256_16": hashlib.sha256(b"".join(p.read_bytes() for p in src)).hexdigest()[:16],
            "etl_latest_mtime": max(p.stat().st_mtime for p in src)}
    log(f"our side: {len(records)} matched articles on {len(pages)} pages; {len(missed)} expected articles "
        f"unmatched")
    return {"tree": tree, "records": records, "pages": pages, "missed": missed, "crashed": crashed}


# ------------------------------------------------------------------ library side (subprocess)
def run_libs(py: Path, records: list[dict]) -> dict:
    with tempfile.TemporaryDirectory(prefix="date-parsers-") as tmp:
        src, dst = Path(tmp) / "records.json", Path(tmp) / "results.json"
        src.write_text(json.dumps({"records": records}, ensure_ascii=False), encoding="utf-8")
        log(f"library side: {rel(py)} {rel(LIB_SCRIPT)}")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONPATH", None)   # nothing of the project venv may leak in
        # jionlp prints a banner on import: the child's stdout is dropped, its stderr shown
        subprocess.run([str(py), str(LIB_SCRIPT), str(src), str(dst)], check=True, env=env, cwd=str(ROOT),
                       stdout=subprocess.DEVNULL)
        return json.loads(dst.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ report
def tally(rows, key):
    ok = sum(1 for r in rows if r[key] == r["expected"])
    return ok, len(rows)


def fmt(ok, n):
    return f"{ok / n:.3f} ({ok}/{n})" if n else "-"


def report(ours: dict, libs: dict) -> str:
    rows = []
    for i, r in enumerate(ours["records"]):
        row = dict(r)
        for lib in ("jionlp", "dateparser"):
            got = libs["results"][lib][i]
            row[lib], row[f"{lib}_how"] = got["composed"], got["how"]
            row[f"{lib}_pd"], row[f"{lib}_naive"] = got["page_date"], got["naive"]
        row["dateparser_hint"] = libs["results"]["dateparser_hint"][i]["composed"]
        rows.append(row)

    out: list[str] = []
    p = out.append
    sets = list(dict.fromkeys(r["set"] for r in rows))
    p("# Date accuracy: our rules vs jionlp vs dateparser\n")
    p("Generated by `.venv/bin/python scripts/compare_date_parsers.py` (library side: "
      "`scripts/_date_parsers_libs.py` in `.cache/date-parser-venv`).\n")
    p(f"Matched expected articles: {len(rows)} on {len({(r['set'], r['page']) for r in rows})} pages "
      f"(sets: {', '.join(sets)}); expected articles our parser did not match (not scored): {len(ours['missed'])}\n")
    for m in ours.get("crashed", []):
        p(f"- our parser crashed: {m}")
    for m in ours["missed"]:
        p(f"- unmatched: {m}")
    p("")
    t = ours["tree"]
    mtime = datetime.fromtimestamp(t["etl_latest_mtime"], tz=timezone.utc)
    p(f"Our parser: {t['etl']} (sha256 of etl/**/*.py: {t['etl_sha256_16']}, newest source mtime "
      f"{mtime:%Y-%m-%d %H:%M:%S} UTC)\n")
    p("Accuracy = predicted news_date equals the hand-read date, or both null.\n")
    p("Columns: **ours** = news_date from our parser. The libraries get, per article, only: the printed line "
      "holding the page date (parsed by the library itself), the year our parser gives a page without a page "
      "date, the dateline marker (or the dated credit our parser took a dateline date from), and the lead's "
      "first clause. **composed** = the library does every date recognition and all date arithmetic inside "
      "our rule skeleton (dateline date; a leading date right after a dateline marker; a relative day — a "
      "result that moves exactly with the library's base — counted from the dateline or page date; else the "
      "page date; pages without a page date: latest dateline date; no year: null). **naive** = one plain call "
      "(jionlp.parse_time / dateparser search_dates) on 'dateline + clause' with base = page date, else the "
      "page date. **+year hint** = composed dateparser with the base year written before a year-less 'M月' "
      "(dateparser reads zh 'M月D日' without a year as a duration: '12月9日' -> 12 months 9 days ago). "
      "Details: the docstring of scripts/_date_parsers_libs.py.\n")
    p("| group | n | ours | jionlp (composed) | dateparser (composed) | jionlp (naive) | dateparser (naive) "
      "| dateparser (+year hint) |")
    p("|---|---|---|---|---|---|---|---|")

    def line(label, rs):
        cells = [fmt(*tally(rs, k)) for k in METHODS]
        p(f"| {label} | {len(rs)} | " + " | ".join(cells) + " |")

    by_kind = defaultdict(list)
    by_set = defaultdict(list)
    for r in rows:
        by_kind[r["kind"]].append(r)
        by_set[r["set"].split(":")[0]].append(r)
    for k in sorted(by_kind):
        line(f"kind {k}", by_kind[k])
    for k in sorted(by_set):
        line(f"set {k}", by_set[k])
    line("**overall**", rows)
    p("")

    # page dates read by the libraries
    pages = {}
    for r in rows:
        pages[(r["set"], r["page"])] = r
    pd_rows = [r for r in pages.values() if r["page_date"]]
    p(f"Page dates (pages with a page date, n={len(pd_rows)}): jionlp read the printed line to the same date on "
      f"{sum(r['jionlp_pd'] == r['page_date'] for r in pd_rows)}, dateparser on "
      f"{sum(r['dateparser_pd'] == r['page_date'] for r in pd_rows)}.\n")
    for r in pd_rows:
        if r["jionlp_pd"] != r["page_date"] or r["dateparser_pd"] != r["page_date"]:
            p(f"- page {r['path']}: printed {r['page_date_line']!r} (ours {r['page_date']}): "
              f"jionlp {r['jionlp_pd']}, dateparser {r['dateparser_pd']}")
    p("")

    p("## Library right, our rules wrong\n")
    wins = [r for r in rows if r["ours"] != r["expected"] and any(r[k] == r["expected"] for k in METHODS[1:])]
    if not wins:
        p("None.\n")
    for r in wins:
        right = [k for k in METHODS[1:] if r[k] == r["expected"]]
        p(f"- {r['path']} {r['title'][:30]!r}: expected {r['expected']}, ours {r['ours']} "
          f"({r['ours_conf']}); right: {', '.join(right)}")
    p("")
    p("## Our rules wrong (all)\n")
    wrong = [r for r in rows if r["ours"] != r["expected"]]
    if not wrong:
        p("None.")
    for r in wrong:
        p(f"- {r['path']} {r['title'][:30]!r}: expected {r['expected']}, ours {r['ours']} "
          f"({r['ours_conf']}), jionlp {r['jionlp']}, dateparser {r['dateparser']}; dateline "
          f"{r['dateline_text']!r}, lead clause {r['lead_clause']!r}, page date line {r['page_date_line']!r}")
    p("")
    p("## Every disagreement (any method differs from another)\n")
    p("| page | article | expected | ours | jionlp | dateparser | jionlp naive | dateparser naive | dp+hint "
      "| dateline | lead clause | page date (printed) |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        vals = [r[k] for k in METHODS]
        if len(set(vals)) > 1:
            def c(k, r=r):
                v = r[k] or "null"
                return f"**{v}**" if r[k] != r["expected"] else v
            p(f"| {r['path']} | {r['title'][:18]} | {r['expected'] or 'null'} | {c('ours')} ({r['ours_conf']}) "
              f"| {c('jionlp')} ({r['jionlp_how']}) | {c('dateparser')} ({r['dateparser_how']}) "
              f"| {c('jionlp_naive')} | {c('dateparser_naive')} | {c('dateparser_hint')} "
              f"| {r['dateline_text'] or ('credit: ' + r['dated_credit'] if r.get('dated_credit') else '')} "
              f"| {(r['lead_clause'] or '')[:24]} | {(r['page_date_line'] or '')[:30]} |")
    p("")
    p("(bold = wrong against the hand-read date)\n")

    p("## Timing\n")
    pg = ours["pages"]
    parse_med = statistics.median(x["seconds"] for x in pg)
    dates_med = statistics.median(x["dates_seconds"] for x in pg)
    n_art = sum(x["articles"] for x in pg)
    p(f"- our parser, whole parse (run_rules, median of {REPEAT} runs per page, median over {len(pg)} pages): "
      f"{parse_med * 1000:.2f} ms/page; total {sum(x['seconds'] for x in pg) * 1000:.1f} ms for {len(pg)} pages "
      f"({n_art} predicted articles)")
    p(f"- our date pass alone (R10 = infer_text_year + date_articles, median per page): {dates_med * 1e6:.0f} µs/page")
    for name, c in libs["calls"].items():
        if not c["calls"]:
            p(f"- {name}: no calls")
            continue
        p(f"- {name}: {c['calls']} calls, median {c['median_call_s'] * 1000:.2f} ms/call, max "
          f"{c['max_call_s'] * 1000:.1f} ms (first call includes lazy loading), wall {c['wall_s']:.2f} s for "
          f"{len(rows)} articles")
    p(f"\nVersions: {libs['versions']}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="write the markdown report to this file instead of stdout")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    py = ensure_venv()
    ours = run_ours()
    libs = run_libs(py, ours["records"])
    text = report(ours, libs)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        log(f"report written to {args.out}")
    else:
        sys.stdout.write(text)
    log(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
