"""Library side of scripts/compare_date_parsers.py: jionlp's and dateparser's dates for its records.

Runs inside the library venv (.cache/date-parser-venv, built by compare_date_parsers.py with
jionlp and dateparser pinned), never in the project venv; standard library plus those two only:

    <venv>/bin/python scripts/_date_parsers_libs.py RECORDS.json RESULTS.json

RECORDS.json is {"records": [...]} as compare_date_parsers.py writes it (one record per matched
expected article); RESULTS.json gets {"results", "calls", "versions"}.

Every library sees only what a user of it would give it for one article:
  - the page-date string as printed (the page line holding the page date, or
    the front-matter/ISO date), parsed by the library itself;
  - the page's named year (our infer_text_year) as a year-only base when there is no page date;
  - the dateline marker (e.g. "本报12月9日讯", "新华社重庆十四日电", "本报讯"), or when no marker
    opens the article the dated credit our parser took a dateline date from
    ("新华社北京1月2日电 记者周圆、黄垚" at the end, "据《东方早报》8月8日报道");
  - the first clause of the lead (the same 24-character clause R10.1 looks at; the
    body's first line when the article has no dateline).

Variants per library X (jionlp, dateparser):
  composed  the most favourable reasonable use, our rule skeleton with X doing every
            date recognition and all date arithmetic:
              P = X(page-date line) -- accepted only if independent of the base (so the
                  year is really printed); fallback X(ISO page date);
              base = P, else a year-only base (the page's named year), else no year -> null;
              D = first day-level date X finds in the dateline marker / dated credit (with a year-only
                  base it must not depend on the unknown month/day);
              E = a day-level date X finds in the lead clause, base D or P;
                  with D known, E is used only if it is relative (moving X's base by
                  3 days moves E by exactly 3 days: 今天/昨日/前天...); without D, E is a
                  date X finds at the very start of the clause when a dateline marker
                  precedes it (the leading "4月4日，" after 本报讯) or else a relative one
                  (昨天 from the page date);
              date = E or D or P; a page without page date gives its undated
                  articles the latest dateline date (our page_dateline rule); no year at all -> null.
  naive     one plain call on "dateline + lead clause" with base P (or year-only):
            jionlp.parse_time(text, time_base=P) / dateparser.search_dates (first hit);
            a day-level date if it gives one, else P.
  hint      (dateparser only) composed, but the base year is written in front of a
            year-less "M月" ("12月9日" -> "2024年12月9日") before dateparser sees it,
            because dateparser's zh "M月D日" without a year is read as a duration.

Times every library call (perf_counter).
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

warnings.filterwarnings("ignore")

import jionlp as jio  # noqa: E402
from dateparser.date import DateDataParser  # noqa: E402
from dateparser.search import search_dates  # noqa: E402

TIMES: dict[str, list[float]] = {"jionlp": [], "dateparser": []}
NEUTRAL = (datetime(2000, 6, 15), datetime(1990, 1, 20))   # two unrelated bases: a result that changes is not printed
SHIFT = timedelta(days=3)
MONTH_SHIFT = timedelta(days=33)


# ------------------------------------------------------------------ library calls
def jio_dates(text: str, base) -> list[tuple[int, date]]:
    """Day-level time points jionlp finds in text, in order: (offset, date)."""
    t0 = time.perf_counter()
    try:
        ents = jio.ner.extract_time(text, time_base=base, with_parsing=True)
    except Exception:
        ents = []
    TIMES["jionlp"].append(time.perf_counter() - t0)
    out = []
    for e in ents:
        d = e.get("detail") or {}
        if d.get("type") != "time_point":
            continue
        a, b = d["time"][0][:10], d["time"][1][:10]
        if a == b:
            out.append((e["offset"][0], date.fromisoformat(a)))
    return out


_DDP: dict = {}


def dp_dates(text: str, base: datetime) -> list[tuple[int, date]]:
    """Day-level dates dateparser's search_dates finds in text (zh, RELATIVE_BASE=base, prefer past): (offset, date)."""
    st = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    t0 = time.perf_counter()
    try:
        found = search_dates(text, languages=["zh"], settings=st) or []
    except Exception:
        found = []
    out = []
    key = base
    ddp = _DDP.get(key) or _DDP.setdefault(key, DateDataParser(languages=["zh"], settings=st))
    for sub, dt in found:
        try:
            dd = ddp.get_date_data(sub)
            if dd.date_obj is not None and dd.period not in ("day", "time"):
                continue      # a month or a year, not a day
        except Exception:
            pass
        out.append((text.find(sub), dt.date()))
    TIMES["dateparser"].append(time.perf_counter() - t0)
    return out


def first(xs):
    return xs[0][1] if xs else None


def leading(xs, text):
    """The date found at the very start of text (only spaces before it), else None."""
    return next((d for off, d in xs if off >= 0 and not text[:off].strip()), None)


def as_dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


class Lib:
    def __init__(self, name: str, hint: bool = False):
        self.name, self.hint = name, hint

    def find(self, text: str, base: datetime, year: int | None = None) -> list[tuple[int, date]]:
        at, extra = -1, 0
        if self.hint and year is not None:
            # the year is written before the first year-less "M月"; offsets are mapped back to text
            m = re.search(r"(?<![\d年])(?:\d{1,2}|[〇一二三四五六七八九十]{1,3})\s*月", text)
            if m:
                at, extra = m.start(), len(f"{year}年")
                text = text[:at] + f"{year}年" + text[at:]
        if self.name == "jionlp":
            xs = jio_dates(text, as_dt(base) if isinstance(base, date) and not isinstance(base, datetime) else base)
        else:
            xs = dp_dates(text, base if isinstance(base, datetime) else as_dt(base))
        return [(off - extra if at >= 0 and off > at else off, d) for off, d in xs]

    # a date that must come from the text alone (same under two unrelated bases)
    def printed(self, text: str) -> date | None:
        a = first(self.find(text, NEUTRAL[0]))
        b = first(self.find(text, NEUTRAL[1]))
        return a if a is not None and a == b else None

    def page_date(self, r) -> date | None:
        if not r["page_date"]:
            return None
        return self.printed(r["page_date_line"]) or self.printed(r["page_date"])

    def under_year(self, text: str, year: int, lead_only: bool = False) -> date | None:
        """With only a year known: a date that does not depend on the unknown month/day of the base
        (lead_only: the date must open the text)."""
        b1 = datetime(year, 6, 15)
        pick = (lambda xs: leading(xs, text)) if lead_only else first
        a = pick(self.find(text, b1, year))
        b = pick(self.find(text, b1 + MONTH_SHIFT, year))
        return a if a is not None and a == b and a.year == year else None

    def relative(self, text: str, base: date) -> date | None:
        """The first date that moves with the base (今天/昨日/前天…: moving the base 3 days moves it
        exactly 3 days), counted from base."""
        xs = self.find(text, as_dt(base), base.year)
        ys = self.find(text, as_dt(base) + SHIFT, base.year)
        for (_, a), (_, b) in zip(xs, ys):
            if b - a == SHIFT:
                return a
        return None

    def composed(self, r, P: date | None) -> tuple[date | None, date | None, str]:
        """(date, dateline date D, how)."""
        Y = P.year if P else r["text_year"]
        if P is None and Y is None:
            return None, None, "no year"
        dl, clause = r["dateline_text"] or r.get("dated_credit") or "", r["lead_clause"] or ""
        marker = bool(r["dateline_text"])     # a leading "M月D日" counts only right after a dateline marker
        D = None
        if dl:
            D = first(self.find(dl, as_dt(P), Y)) if P else self.under_year(dl, Y)
        if clause:
            if D is not None:
                E = self.relative(clause, D)
                if E is not None:
                    return E, D, "relative+dateline"
            elif P is not None:
                E = leading(self.find(clause, as_dt(P), Y), clause) if marker else None
                if E is not None:
                    return E, D, "leading lead date"
                E = self.relative(clause, P)
                if E is not None:
                    return E, D, "relative+page date"
            elif marker:
                E = self.under_year(clause, Y, lead_only=True)
                if E is not None:
                    return E, D, "lead date (year only)"
        if D is not None:
            return D, D, "dateline"
        if P is not None:
            return P, D, "page date"
        return None, D, "year only"

    def whole(self, text: str, base: datetime) -> date | None:
        """One plain call on the whole string: jionlp.parse_time / dateparser.search_dates (first hit)."""
        if self.name == "jionlp":
            t0 = time.perf_counter()
            try:
                d = jio.parse_time(text, time_base=base)
            except Exception:
                d = None
            TIMES["jionlp"].append(time.perf_counter() - t0)
            if d and d.get("type") == "time_point" and d["time"][0][:10] == d["time"][1][:10]:
                return date.fromisoformat(d["time"][0][:10])
            return None
        return first(self.find(text, base))

    def naive(self, r, P: date | None) -> date | None:
        """One call on "dateline + lead clause", base P (or a year-only base that must not matter), else P."""
        Y = P.year if P else r["text_year"]
        if P is None and Y is None:
            return None
        text = " ".join(x for x in (r["dateline_text"] or r.get("dated_credit"), r["lead_clause"]) if x)
        if text:
            if P:
                got = self.whole(text, as_dt(P))
            else:
                a, b = self.whole(text, datetime(Y, 6, 15)), self.whole(text, datetime(Y, 6, 15) + MONTH_SHIFT)
                got = a if a is not None and a == b and a.year == Y else None
            if got is not None:
                return got
        return P


def run(records: list[dict], lib: Lib) -> dict:
    """Dates for every record: composed (with the page_dateline rule per page) and naive."""
    pds: dict[tuple, date | None] = {}
    comp: list[tuple] = []
    for r in records:
        k = (r["set"], r["page"])
        if k not in pds:
            pds[k] = lib.page_date(r)
        comp.append(lib.composed(r, pds[k]))
    # page_dateline: no page date -> undated articles take the page's latest dateline date
    latest: dict[tuple, date] = {}
    for r, (d, D, how) in zip(records, comp):
        k = (r["set"], r["page"])
        dl_date = D if D is not None else (d if how == "lead date (year only)" else None)
        if pds[k] is None and dl_date is not None:
            latest[k] = max(latest.get(k, dl_date), dl_date)
    out = []
    for r, (d, D, how) in zip(records, comp):
        k = (r["set"], r["page"])
        if d is None and pds[k] is None and D is None and k in latest and how != "no year":
            d, how = latest[k], "page dateline"
        out.append({"composed": d.isoformat() if d else None, "how": how,
                    "page_date": pds[k].isoformat() if pds[k] else None,
                    "naive": (lambda x: x.isoformat() if x else None)(lib.naive(r, pds[k]))})
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    records = json.loads(src.read_text(encoding="utf-8"))["records"]
    res = {}
    calls = {}
    for name, lib in (("jionlp", Lib("jionlp")), ("dateparser", Lib("dateparser")),
                      ("dateparser_hint", Lib("dateparser", hint=True))):
        key = lib.name
        before = len(TIMES[key])
        t0 = time.perf_counter()
        res[name] = run(records, lib)
        calls[name] = {"calls": len(TIMES[key]) - before, "wall_s": time.perf_counter() - t0,
                       "median_call_s": statistics.median(TIMES[key][before:]) if len(TIMES[key]) > before else None,
                       "max_call_s": max(TIMES[key][before:]) if len(TIMES[key]) > before else None}
    import importlib.metadata as md
    import platform
    versions = {p: md.version(p) for p in ("jionlp", "jiojio", "dateparser", "regex")}
    versions["python"] = platform.python_version()
    dst.write_text(json.dumps({"results": res, "calls": calls, "versions": versions}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    print(f"library side: {len(records)} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
