"""Unit depth: reading and decoding input files."""

from pathlib import Path

from etl.ingest import decode_bytes, discover, read_all, read_source_file, sha256_hex

PAGE = "本报12月18日讯 全区符合条件的215个小区全部成立党组织。\n"


def test_utf8_page_decodes_unchanged():
    text, enc, err = decode_bytes(PAGE.encode("utf-8"))
    assert (text, enc, err) == (PAGE, "utf-8", None)


def test_gb18030_page_is_detected_not_guessed():
    text, enc, err = decode_bytes(PAGE.encode("gb18030"))
    assert text == PAGE and enc == "gb18030" and err is None


def test_boms():
    assert decode_bytes(b"\xef\xbb\xbf" + PAGE.encode())[:2] == (PAGE, "utf-8-sig")
    assert decode_bytes(b"\xff\xfe" + PAGE.encode("utf-16-le"))[:2] == (PAGE, "utf-16-le")
    assert decode_bytes(b"\xfe\xff" + PAGE.encode("utf-16-be"))[:2] == (PAGE, "utf-16-be")


def test_crlf_and_cr_are_kept_in_raw_text():
    crlf = PAGE.replace("\n", "\r\n")
    assert decode_bytes(crlf.encode())[0] == crlf
    assert decode_bytes(PAGE.replace("\n", "\r").encode())[0] == PAGE.replace("\n", "\r")


def test_rejections_say_why():
    assert decode_bytes(b"") == (None, None, "empty file (0 bytes)")
    assert decode_bytes(b" \n\t \r\n")[2] == "no text: file holds only whitespace"
    assert decode_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))[2] == "not text: looks like PNG image data"
    assert "PDF" in decode_bytes(b"%PDF-1.7\n%\xe2\xe3")[2]
    assert ".docx" in decode_bytes(b"PK\x03\x04\x14\x00\x06\x00")[2]


def test_utf8_cut_mid_character_keeps_the_rest():
    data = PAGE.encode()[:-2]  # ends inside 。 (3 bytes) after dropping '\n' and one byte
    text, enc, err = decode_bytes(data)
    assert text == PAGE[:-2] and enc == "utf-8"
    assert "middle of a UTF-8 character" in err


def test_full_width_digits_stay_in_raw_text():
    page = "２０２４年１１月２９日 青岛\n"
    assert decode_bytes(page.encode())[0] == page


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


def test_missing_file_is_rejected_not_raised(tmp_path: Path):
    f = read_source_file(tmp_path / "gone.txt", tmp_path)
    assert f.status == "rejected" and f.error.startswith("cannot read file")


def test_seed_pages_all_decode():
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    files = read_all(seeds)
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
