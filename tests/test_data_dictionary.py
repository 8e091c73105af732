from pathlib import Path

from etl.dictionary import data_dictionary_markdown, undocumented_columns

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


def test_every_column_has_a_comment():
    assert undocumented_columns() == []


def test_data_dictionary_is_in_sync_with_schema():
    assert DOC.read_text(encoding="utf-8") == data_dictionary_markdown(), (
        "docs/data-dictionary.md is stale: run .venv/bin/python scripts/gen_data_dictionary.py")
