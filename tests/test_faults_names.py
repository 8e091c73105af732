"""Issue 17: file names that read the same keep their own rows; NUL bytes are handled wherever they are.

Unit depth (keys, decoding), then the shared end-to-end scenario group
``names`` of scripts/fault_scenarios.py (scripts/fault_groups/names.py).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from etl.ingest import decode_bytes, discover, file_keys, read_all, relative_path
from etl.raw import seed_paths, sync_source_files
from etl.warehouse import ensure_schema
from tests.support.scripts import fault_scenarios
from tests.support.seeds import SEEDS

fs = fault_scenarios()

PAGE = fs.SAMPLE_PAGE
SEED_TEXT = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8")


def _put(folder: Path, name: bytes, data: bytes) -> None:
    with open(os.path.join(os.fsencode(folder), name), "wb") as fh:
        fh.write(data)


def _tag(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


# ------------------------------------------------------------------ keys

def test_names_that_read_the_same_get_distinct_stable_keys(tmp_path):
    gbk, junk = "中文.txt".encode("gbk"), b"bad\xff.txt"
    _put(tmp_path, "中文.txt".encode(), b"a")
    _put(tmp_path, gbk, b"b")
    _put(tmp_path, b"bad\\xff.txt", b"c")
    _put(tmp_path, junk, b"d")
    _put(tmp_path, "新闻.txt".encode("gbk"), b"e")      # not UTF-8, but nothing else reads the same
    listed = discover(tmp_path)
    assert len({relative_path(p, tmp_path) for p in listed}) == 3    # the readable names collide…
    keys = seed_paths(tmp_path)
    assert len(keys) == 5                                             # …the keys do not
    assert {k: os.fsencode(p.name) for k, p in keys.items()} == {
        "中文.txt": "中文.txt".encode(), f"中文~{_tag(gbk)}.txt": gbk,
        "bad\\xff.txt": b"bad\\xff.txt", f"bad\\xff~{_tag(junk)}.txt": junk,
        "新闻.txt": "新闻.txt".encode("gbk")}
    assert seed_paths(tmp_path) == keys                               # same folder, same keys
    assert file_keys(list(reversed(listed)), tmp_path).keys() == keys.keys()  # whatever the listing order
    for k in keys:
        k.encode("utf-8")                                             # storable


def test_a_utf8_name_keeps_its_key_whatever_appears_beside_it(tmp_path):
    _put(tmp_path, "中文.txt".encode(), b"a")
    assert list(seed_paths(tmp_path)) == ["中文.txt"]
    _put(tmp_path, "中文.txt".encode("gbk"), b"b")
    assert "中文.txt" in seed_paths(tmp_path)
    assert os.fsencode(seed_paths(tmp_path)["中文.txt"].name) == "中文.txt".encode()


def test_two_undecodable_names_that_read_the_same_are_both_tagged(tmp_path):
    # b"\xff" + UTF-8 中 is not UTF-8 nor GB18030 → "\xff中"; b"\\xff" + GBK 中 is GB18030 → "\xff中" too
    a, b = b"\xff" + "中".encode(), b"\\xff" + "中".encode("gbk")
    _put(tmp_path, a, b"a")
    _put(tmp_path, b, b"b")
    assert relative_path(Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), a))), tmp_path) == \
        relative_path(Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b))), tmp_path) == "\\xff中"
    assert sorted(seed_paths(tmp_path)) == sorted([f"\\xff中~{_tag(a)}", f"\\xff中~{_tag(b)}"])


def test_a_tag_already_taken_by_a_real_name_is_lengthened(tmp_path):
    gbk = "中文.txt".encode("gbk")
    _put(tmp_path, "中文.txt".encode(), b"a")
    _put(tmp_path, gbk, b"b")
    _put(tmp_path, f"中文~{_tag(gbk)}.txt".encode(), b"c")
    keys = seed_paths(tmp_path)
    assert len(keys) == 3 and f"中文~{hashlib.sha256(gbk).hexdigest()[:16]}.txt" in keys


def test_nested_names_are_tagged_in_their_last_component(tmp_path):
    (tmp_path / "晚报").mkdir()
    os.mkdir(os.path.join(os.fsencode(tmp_path), "晚报".encode("gbk")))
    _put(tmp_path, "晚报/p.txt".encode(), b"a")
    _put(tmp_path, "晚报".encode("gbk") + b"/p.txt", b"b")
    raw = "晚报".encode("gbk") + b"/p.txt"
    assert sorted(seed_paths(tmp_path)) == ["晚报/p.txt", f"晚报/p~{_tag(raw)}.txt"]


def test_every_file_gets_its_own_row(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i, name in enumerate(["中文.txt".encode(), "中文.txt".encode("gbk"), b"bad\\xff.txt", b"bad\xff.txt"]):
        _put(seeds, name, PAGE.replace("12处", f"{20 + i}处").encode())
    conn = duckdb.connect()
    ensure_schema(conn)
    stats = sync_source_files(conn, seeds)
    rows = conn.execute("SELECT path, file_id, status FROM raw.source_files").fetchall()
    assert stats.seen == stats.added == 4 and len(rows) == 4 and {r[2] for r in rows} == {"ok"}
    assert len({r[1] for r in rows}) == 4                              # four contents, four rows
    again = sync_source_files(conn, seeds, [r[0] for r in rows])       # as a partitioned run names them
    assert (again.seen, again.unchanged, again.added, again.replaced, again.retired) == (4, 4, 0, 0, 0)
    assert sorted(f.path for f in read_all(seeds)) == sorted(r[0] for r in rows)


def test_seed_keys_are_unchanged():
    assert sorted(seed_paths(SEEDS)) == sorted(p.name for p in SEEDS.glob("*.txt"))


# ------------------------------------------------------------------ NUL bytes

def _with_nuls(text: str, char_offsets: list[int]) -> bytes:
    out, last = b"", 0
    for off in sorted(char_offsets):
        out += text[last:off].encode() + b"\x00"
        last = off
    return out + text[last:].encode()


def test_a_stray_nul_is_removed_wherever_it_is():
    for offsets in ([0], [30], [len(SEED_TEXT) // 2], [len(SEED_TEXT)], [40, 3000, 6000]):
        data = _with_nuls(SEED_TEXT, offsets)
        text, enc, err = decode_bytes(data)
        first = data.index(0)
        assert (text, enc) == (SEED_TEXT, "utf-8"), offsets
        assert err == f"{len(offsets)} NUL byte(s) removed (first at byte {first}); the rest of the page is intact"


def test_nuls_with_other_damage_report_both():
    data = _with_nuls(PAGE, [10]) + "又一条快讯。".encode()[:-1]       # a NUL, and cut mid-character
    text, enc, err = decode_bytes(data)
    assert text == PAGE + "又一条快讯" and enc == "utf-8"
    assert err.startswith("1 NUL byte(s) removed") and "file ends in the middle of a UTF-8 character" in err


def test_nuls_in_a_gb18030_page_are_removed_too():
    data = PAGE[:20].encode("gb18030") + b"\x00" + PAGE[20:].encode("gb18030")
    assert decode_bytes(data)[:2] == (PAGE, "gb18030")


def test_nul_dense_input_keeps_its_old_treatment():
    assert decode_bytes(PAGE.encode("utf-16-le")) == (PAGE, "utf-16-le", None)
    assert decode_bytes(PAGE.encode("utf-16-be")) == (PAGE, "utf-16-be", None)
    for data in (bytes(range(256)) * 8, b"\x00" * 100 + PAGE.encode(), PAGE.encode().replace(b"\n", b"\x00\x00\n")):
        text, _, err = decode_bytes(data)
        assert text is None and err.startswith("not text: contains NUL bytes"), data[:20]


def test_no_nul_character_survives_decoding():
    page = PAGE[:30] + "\x00" + PAGE[30:]
    for data in (b"\xff\xfe" + page.encode("utf-16-le"), b"\xef\xbb\xbf" + page.encode(),
                 b"\xff\xfe\x00\x00" + page.encode("utf-32-le"), page.encode("utf-16-be")):
        text, _, err = decode_bytes(data)
        assert text == PAGE and "\x00" not in text, data[:4]
        assert "NUL" in err
    assert decode_bytes(b"\xff\xfe" + "\x00\n\x00".encode("utf-16-le"))[0] is None


# ------------------------------------------------------------------ end to end

@pytest.mark.e2e
def test_names_scenarios(tmp_path):
    outcomes = fs.GROUPS["names"](tmp_path)
    failed = [o for o in outcomes if o.failed]
    assert outcomes and not failed, "\n" + fs.format_table(failed)
