"""Unit depth: reading and decoding input files.

Decoding one input at a time (encodings, BOMs, line ends, rejections, cut characters, full-width
digits, a missing file) is tested in test_bad_input.py; this module keeps folder listing, read_all and
NUL handling at the same depth.
"""

from pathlib import Path

from etl.ingest import decode_bytes, discover, read_all, read_source_file, sha256_hex
from tests.support.seeds import SEEDS

PAGE = "本报12月18日讯 全区符合条件的215个小区全部成立党组织。\n"


def test_discover_nested_and_hidden(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "p.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "top.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / ".hidden").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == ["a/b/p.txt", "top.txt"]


def test_same_bytes_two_names_share_file_id(tmp_path: Path):
    (tmp_path / "x.txt").write_bytes(PAGE.encode())
    (tmp_path / "y.txt").write_bytes(PAGE.encode())
    files = read_all(tmp_path)
    assert [f.path for f in files] == ["x.txt", "y.txt"]
    assert files[0].file_id == files[1].file_id == sha256_hex(PAGE.encode())


def test_seed_pages_all_decode():
    files = read_all(SEEDS)
    assert len(files) == 5
    assert all(f.status == "ok" and f.encoding == "utf-8" for f in files)
    assert "金胶州数字报" in files[0].text


def test_a_stray_nul_is_removed_at_any_position():
    for cut in (0, 5, len(PAGE) - 1):
        data = PAGE[:cut].encode() + b"\x00" + PAGE[cut:].encode()
        text, enc, err = decode_bytes(data)
        assert (text, enc) == (PAGE, "utf-8") and err.startswith("1 NUL byte(s) removed")


def test_nul_dense_bytes_are_still_rejected():
    text, _, err = decode_bytes(PAGE.encode().replace("。".encode(), b"\x00\x00\x00"))
    assert text is None and err.startswith("not text: contains NUL bytes")


def test_read_source_file_stores_the_key_it_is_given(tmp_path: Path):
    (tmp_path / "x.txt").write_bytes(PAGE.encode())
    assert read_source_file(tmp_path / "x.txt", tmp_path).path == "x.txt"
    assert read_source_file(tmp_path / "x.txt", tmp_path, key="x~0123abcd.txt").path == "x~0123abcd.txt"
