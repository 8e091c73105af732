"""Every SQL example in the README runs against the seed warehouse and returns the table printed under it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```sql\n(?P<sql>.*?)```\s*\n(?P<table>(?:\|[^\n]*\|\n)+)", re.S)


def examples() -> list[tuple[str, list[str], list[list[str]]]]:
    out = []
    for m in BLOCK.finditer(README.read_text(encoding="utf-8")):
        lines = [ln.strip() for ln in m.group("table").strip().splitlines()]
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]
        out.append((m.group("sql").strip(), header, rows))
    return out


def render(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def test_readme_has_five_examples():
    assert len(examples()) >= 5


@pytest.mark.parametrize("sql,header,rows", examples(), ids=lambda x: x[:40] if isinstance(x, str) else "")
def test_readme_example(db, sql, header, rows):
    cur = db.execute(sql)
    assert [d[0] for d in cur.description] == header
    assert [[render(v) for v in r] for r in cur.fetchall()] == rows
