"""Regenerate docs/data-dictionary.md from etl/sql/schema.sql (tables) and etl/sql/marts.sql (views)."""
from pathlib import Path

from etl.dictionary import data_dictionary_markdown

out = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"
out.write_text(data_dictionary_markdown(), encoding="utf-8")
print(f"wrote {out}")
