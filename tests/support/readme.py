"""The SQL examples of the README and the analyst guide: each ```sql block followed by its result table."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tests.support.seeds import PROJECT

README = PROJECT / "README.md"
GUIDE = PROJECT / "docs" / "analyst-guide.md"
# a ```sql block (which never contains ```) followed by a Markdown table: blocks without a table are prose
BLOCK = re.compile(r"```sql\n(?P<sql>(?:(?!```).)*?)```\s*\n(?P<table>(?:\|[^\n]*\|\n)+)", re.S)


def examples(path: Path = README) -> list[tuple[str, list[str], list[list[str]]]]:
    out = []
    for m in BLOCK.finditer(path.read_text(encoding="utf-8")):
        lines = [ln.strip() for ln in m.group("table").strip().splitlines()]
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]
        out.append((m.group("sql").strip(), header, rows))
    return out


def render(v) -> str:
    """A result value as the Markdown tables print it."""
    if v is None:
        return "NULL"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)
