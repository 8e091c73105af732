"""docs/page-grammar.md and the parser's rule tables name the same rules, in the same order."""
from __future__ import annotations

import re
from pathlib import Path

from etl.parse import DATE_CONFIDENCE, FURNITURE_KINDS, PAGE_KINDS, RULE_TABLES
from etl.parse.structure import KIND_HANDLERS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "page-grammar.md").read_text(encoding="utf-8")
ROW_RE = re.compile(r"^\| (R\d+(?:\.\d+)?|C\d+) \| `(\w+)` \|", re.M)
PREFIX = {"PAGE_RULES": r"R\d+$", "CHROME_RULES": r"R3\.", "SPLIT_RULES": r"R4\.", "LINE_RULES": r"R6\.",
          "RUN_RULES": r"R8\.", "FINISH_RULES": r"R9\.", "DATE_RULES": r"R10\.", "CREDIT_FORMS": r"C\d"}


def test_every_rule_table_is_documented_row_for_row_in_order():
    rows = ROW_RE.findall(DOC)
    assert set(PREFIX) == set(RULE_TABLES)
    for table, prefix in PREFIX.items():
        documented = [(rid, name) for rid, name in rows if re.match(prefix, rid)]
        assert documented == RULE_TABLES[table], table


def test_rule_ids_are_unique_and_numbered_in_order():
    for table, rules in RULE_TABLES.items():
        ids = [rid for rid, _ in rules]
        assert len(ids) == len(set(ids)), table
        nums = [int(re.findall(r"\d+", rid)[-1]) for rid in ids]
        assert nums == sorted(nums), table


def test_vocabularies_are_documented():
    for word in (*PAGE_KINDS, *FURNITURE_KINDS, *DATE_CONFIDENCE, *KIND_HANDLERS):
        assert re.search(rf"(?<![\w+]){re.escape(word)}(?![\w+])", DOC), word
