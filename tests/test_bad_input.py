"""Bad input: every file that lands in seeds/ is either ingested correctly or rejected with a reason.

Unit depth (decode/read one file) for each input of the issue, then the
shared end-to-end scenario of scripts/fault_scenarios.py: every bad input in
one folder next to the five real pages, one run of warehouse_job, checks per
file, a rerun after fixing.
"""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import etl.ingest as ingest
from etl.decode import plausible_ratio
from etl.ingest import (
    SeedsFolderError,
    decode_bytes,
    discover,
    max_page_bytes,
    read_source_file,
    relative_path,
    sha256_hex,
)
from tests.support.scripts import fault_scenarios
from tests.support.seeds import SEEDS

fs = fault_scenarios()
PAGE = fs.SAMPLE_PAGE
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


# ------------------------------------------------------------------ decoding, one input at a time

@pytest.mark.parametrize("data, error", [
    (b"", "empty file (0 bytes)"),
    (" \n\t\r\n\u3000\n".encode(), "no text: file holds only whitespace"),
    (" \n".encode("utf-16"), "no text: file holds only whitespace"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not text: looks like PNG image data"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not text: looks like PDF document"),
    (b"PK\x03\x04\x14\x00\x06\x00", "not text: looks like ZIP archive (e.g. .docx/.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "not text: looks like OLE2 document (e.g. .doc/.xls)"),
    (b"{\\rtf1\\ansi \\f0 \\'c7\\'e0}", "not text: looks like RTF document (save it as plain text)"),
    (bytes(range(256)) * 8, "not text: contains NUL bytes"),
])
def test_rejections_say_why(data, error):
    text, enc, err = decode_bytes(data)
    assert text is None and err.startswith(error)
    if not error.startswith("no text"):  # not text at all: no encoding is claimed
        assert enc is None


@pytest.mark.parametrize("encoding, prefix, detected", [
    ("utf-8", b"", "utf-8"),
    ("gb18030", b"", "gb18030"),
    ("gbk", b"", "gb18030"),           # GBK is a subset of GB18030: same text
    ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
    ("utf-16-le", b"\xff\xfe", "utf-16-le"),
    ("utf-16-be", b"\xfe\xff", "utf-16-be"),
    ("utf-32-le", b"\xff\xfe\x00\x00", "utf-32-le"),
    ("utf-16-le", b"", "utf-16-le"),   # no BOM: detected from the NUL pattern + a plausible reading
    ("utf-16-be", b"", "utf-16-be"),
])
@pytest.mark.parametrize("seed", [0, 3])
def test_every_decodable_encoding_is_detected_and_round_trips(encoding, prefix, detected, seed):
    page = SEED_TEXTS[seed]
    text, enc, err = decode_bytes(prefix + page.encode(encoding))
    assert (text, enc, err) == (page, detected, None)


def test_detection_ignores_the_extension(tmp_path):
    (tmp_path / "page.pdf").write_bytes(PAGE.encode("gb18030"))   # text, whatever the name says
    (tmp_path / "scan.txt").write_bytes(b"%PDF-1.4\n")              # a PDF, whatever the name says
    got = {f.path: (f.status, f.encoding) for f in (read_source_file(p, tmp_path) for p in discover(tmp_path))}
    assert got == {"page.pdf": ("ok", "gb18030"), "scan.txt": ("rejected", None)}


def test_big5_is_not_mistaken_for_gb18030():
    """Big5 bytes also decode as GB18030 (into kana and private-use mojibake); plausibility picks Big5."""
    data = fs.BIG5_PAGE.encode("big5")
    assert plausible_ratio(data.decode("gb18030")) < 0.9
    assert decode_bytes(data)[:2] == (fs.BIG5_PAGE, "big5")


def test_crlf_and_lone_cr_are_kept_in_raw_text():
    for eol in ("\r\n", "\r"):
        page = PAGE.replace("\n", eol)
        assert decode_bytes(page.encode()) == (page, "utf-8", None)


def test_cut_in_the_middle_of_a_character_keeps_what_precedes():
    assert decode_bytes(PAGE.encode()[:-2]) == (
        PAGE[:-2], "utf-8", "file ends in the middle of a UTF-8 character; 2 trailing byte(s) dropped")
    assert decode_bytes(PAGE.encode("gb18030")[:-2]) == (
        PAGE[:-2], "gb18030", "file ends in the middle of a GB18030 character; 1 trailing byte(s) dropped")
    assert decode_bytes(b"\xff\xfe" + PAGE.encode("utf-16-le")[:-1]) == (
        PAGE[:-1], "utf-16-le", "file ends in the middle of a UTF-16-LE character; 1 trailing byte(s) dropped")


def test_a_stray_invalid_byte_in_utf8_is_replaced_and_reported():
    page = SEED_TEXTS[4]
    text, enc, err = decode_bytes(page[:500].encode() + b"\xff" + page[500:].encode())
    assert (text, enc) == (page[:500] + "\ufffd" + page[500:], "utf-8")
    assert err == "1 byte(s) that are not valid UTF-8 replaced by U+FFFD (first at byte " \
        f"{len(page[:500].encode())}); the rest of the page is intact"


def test_a_gb18030_page_is_not_read_as_damaged_utf8():
    """Nearly every character of a GB18030 page is invalid UTF-8: it must not take the stray-byte path."""
    assert decode_bytes(SEED_TEXTS[1].encode("gb18030"))[1] == "gb18030"
    # even a page that is mostly ASCII with one GB18030 word
    data = ("x" * 3000 + "青岛\n").encode("gb18030")
    assert decode_bytes(data)[:2] == ("x" * 3000 + "青岛\n", "gb18030")


def test_full_width_digits_stay_in_raw_text():
    assert decode_bytes(fs.FULLWIDTH_PAGE.encode()) == (fs.FULLWIDTH_PAGE, "utf-8", None)


def test_latin_text_in_a_legacy_encoding_is_not_silently_garbled():
    text, enc, err = decode_bytes(("Café au lait, naïve résumé. " * 40).encode("latin-1"))
    # either decoded to the right characters, or rejected with advice
    assert text == "Café au lait, naïve résumé. " * 40 or (text is None and "save it as UTF-8" in err)


# ------------------------------------------------------------------ reading files

def test_same_bytes_under_two_names_share_a_file_id(tmp_path):
    (tmp_path / "a.txt").write_bytes(PAGE.encode())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes(PAGE.encode())
    files = [read_source_file(p, tmp_path) for p in discover(tmp_path)]
    assert [f.path for f in files] == ["a.txt", "sub/b.txt"]
    assert files[0].file_id == files[1].file_id == sha256_hex(PAGE.encode())


def test_nested_folders_and_symlinked_folders_are_read_loops_are_cut(tmp_path):
    (tmp_path / "2024" / "11" / "晚报").mkdir(parents=True)
    (tmp_path / "2024" / "11" / "晚报" / "p.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "2024" / "11" / "back").symlink_to(tmp_path)          # a loop back to the top
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "q.txt").write_text(PAGE + "。", encoding="utf-8")
    (tmp_path / "linked").symlink_to(elsewhere)
    assert [relative_path(p, tmp_path) for p in discover(tmp_path)] == ["2024/11/晚报/p.txt", "linked/q.txt"]


def test_a_missing_seeds_folder_is_an_error_not_an_empty_folder(tmp_path):
    with pytest.raises(SeedsFolderError, match="does not exist"):
        discover(tmp_path / "not-mounted")
    (tmp_path / "file").write_text("x")
    with pytest.raises(SeedsFolderError, match="is not a folder"):
        discover(tmp_path / "file")


def test_size_limit_rejects_without_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(PAGE.encode() * 200)                       # ~36 KB
    monkeypatch.setenv("MAX_PAGE_MB", "0.01")                  # 10 KiB
    monkeypatch.setattr(ingest, "_read_bytes", lambda p: pytest.fail("a file over the limit was read"))
    f = read_source_file(big, tmp_path)
    assert f.status == "rejected" and f.size_bytes == big.stat().st_size
    assert f.error.startswith("too large: ") and f"over the page limit of {max_page_bytes()} bytes (MAX_PAGE_MB)" in f.error
    assert f.file_id != sha256_hex(big.read_bytes())           # a marker: raising the limit re-reads it


def test_size_limit_configuration(monkeypatch):
    monkeypatch.delenv("MAX_PAGE_MB", raising=False)
    assert max_page_bytes() == 20 << 20
    monkeypatch.setenv("MAX_PAGE_MB", "0")
    assert max_page_bytes() is None
    monkeypatch.setenv("MAX_PAGE_MB", "1.5")
    assert max_page_bytes() == int(1.5 * (1 << 20))
    for bad in ("lots", "-1"):
        monkeypatch.setenv("MAX_PAGE_MB", bad)
        with pytest.raises(ValueError, match="MAX_PAGE_MB"):
            max_page_bytes()


def test_a_50_mb_page_is_rejected_by_default_in_no_time(tmp_path, monkeypatch):
    monkeypatch.delenv("MAX_PAGE_MB", raising=False)
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:  # sparse: the size is what counts, it is never read
        fh.truncate(50 << 20)
    f = read_source_file(huge, tmp_path)
    assert (f.status, f.error) == ("rejected", "too large: 50.0 MB is over the page limit of 20.0 MB (MAX_PAGE_MB); "
                                               "split it into pages or raise MAX_PAGE_MB")


def test_raising_the_limit_re_ingests_on_the_next_sync(tmp_path, monkeypatch):
    from etl.raw import sync_source_files
    from etl.warehouse import ensure_schema

    (tmp_path / "big.txt").write_bytes(PAGE.encode() * 100)
    conn = duckdb.connect()
    ensure_schema(conn)
    monkeypatch.setenv("MAX_PAGE_MB", "0.01")
    sync_source_files(conn, tmp_path)
    monkeypatch.setenv("MAX_PAGE_MB", "1")
    stats = sync_source_files(conn, tmp_path)
    assert (stats.replaced, conn.execute("SELECT status FROM raw.source_files").fetchone()[0]) == (1, "ok")


def test_a_file_rejected_by_an_older_decoder_is_re_ingested_by_a_newer_one(tmp_path, monkeypatch):
    """Same bytes, same file_id, but the reader's verdict changed: the row is replaced, not kept."""
    from etl.raw import sync_source_files
    from etl.warehouse import ensure_schema

    (tmp_path / "page.txt").write_text(PAGE, encoding="gb18030")
    conn = duckdb.connect()
    ensure_schema(conn)
    real = ingest.decode_bytes
    monkeypatch.setattr(ingest, "decode_bytes", lambda data: (None, None, "not text: an older decoder's verdict"))
    sync_source_files(conn, tmp_path)
    assert conn.execute("SELECT status FROM raw.source_files").fetchone()[0] == "rejected"
    assert sync_source_files(conn, tmp_path).unchanged == 1  # same reader, same verdict: untouched
    monkeypatch.setattr(ingest, "decode_bytes", real)
    stats = sync_source_files(conn, tmp_path)
    row = conn.execute("SELECT status, encoding, error FROM raw.source_files").fetchone()
    assert (stats.replaced, row) == (1, ("ok", "gb18030", None))


def _flip_during_read(path_name: str, times: int):
    """A _read_bytes that appends to ``path_name`` during its first ``times`` reads."""
    orig = ingest._read_bytes
    count = {"n": 0}

    def read(path: Path) -> bytes:
        data = orig(path)
        if path.name == path_name and count["n"] < times:
            count["n"] += 1
            with path.open("ab") as fh:
                fh.write("更新。\n".encode())
        return data
    return read, count


def test_a_file_that_changes_once_while_read_is_read_again(tmp_path, monkeypatch):
    p = tmp_path / "growing.txt"
    p.write_text(PAGE, encoding="utf-8")
    read, count = _flip_during_read("growing.txt", 1)
    monkeypatch.setattr(ingest, "_read_bytes", read)
    monkeypatch.setattr(ingest, "_RETRY_PAUSE_SECONDS", 0)
    f = read_source_file(p, tmp_path)
    assert (f.status, f.text, count["n"]) == ("ok", PAGE + "更新。\n", 1)
    assert f.file_id == sha256_hex(p.read_bytes())


def test_a_file_that_never_holds_still_is_rejected_and_picked_up_later(tmp_path, monkeypatch):
    p = tmp_path / "live.txt"
    p.write_text(PAGE, encoding="utf-8")
    read, count = _flip_during_read("live.txt", 99)
    monkeypatch.setattr(ingest, "_read_bytes", read)
    monkeypatch.setattr(ingest, "_RETRY_PAUSE_SECONDS", 0)
    f = read_source_file(p, tmp_path)
    assert f.status == "rejected" and count["n"] == ingest.READ_ATTEMPTS
    assert f.error == ("file changed while it was being read (3 attempts); "
                       "it will be picked up again on the next run")
    monkeypatch.undo()
    settled = read_source_file(p, tmp_path)
    assert settled.status == "ok" and settled.file_id != f.file_id   # the next run replaces the rejected row


def test_a_file_that_cannot_be_read_is_rejected(tmp_path, monkeypatch):
    p = tmp_path / "locked.txt"
    p.write_text(PAGE, encoding="utf-8")
    p.chmod(0)
    try:
        if os.geteuid() == 0:  # root reads through chmod 000: simulate what everyone else gets
            def deny(path):
                raise PermissionError(13, "Permission denied", str(path))
            monkeypatch.setattr(ingest, "_read_bytes", deny)
        f = read_source_file(p, tmp_path)
    finally:
        p.chmod(0o644)
    assert f.status == "rejected" and f.error.startswith("cannot read file: permission denied")
    assert f.file_id == sha256_hex(b"unreadable:locked.txt")


def test_a_named_pipe_is_rejected_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    out = {}
    t = threading.Thread(target=lambda: out.update(f=read_source_file(tmp_path / "pipe.txt", tmp_path)), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "reading a FIFO blocked"
    assert out["f"].error == "not a regular file: a named pipe (FIFO); only files are read as pages"
    assert [p.name for p in discover(tmp_path)] == ["pipe.txt"]    # listed, so it is accounted for


def test_a_dangling_symlink_is_rejected_with_its_target(tmp_path):
    (tmp_path / "dangling.txt").symlink_to("nowhere.txt")
    assert [p.name for p in discover(tmp_path)] == ["dangling.txt"]
    f = read_source_file(tmp_path / "dangling.txt", tmp_path)
    assert f.error == "cannot read file: broken symbolic link (points to nowhere.txt, which does not exist)"


def test_a_folder_that_cannot_be_listed_is_one_rejected_row(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "p.txt").write_text(PAGE, encoding="utf-8")
    private = os.path.realpath(tmp_path / "private")
    real_scandir = os.scandir

    def scandir(p=".", *a, **k):
        if os.path.realpath(p) == private:
            raise PermissionError(13, "Permission denied", str(p))
        return real_scandir(p, *a, **k)

    monkeypatch.setattr(os, "scandir", scandir)
    listed = discover(tmp_path)
    assert [relative_path(p, tmp_path) for p in listed] == ["ok.txt", "private"]
    f = read_source_file(tmp_path / "private", tmp_path)
    assert f.status == "rejected" and f.error.startswith("cannot list folder: Permission denied")


def test_a_file_removed_while_the_run_reads_the_folder(tmp_path):
    f = read_source_file(tmp_path / "gone.txt", tmp_path)
    assert (f.status, f.error) == ("rejected", "cannot read file: it disappeared while the run was reading the folder")


def test_a_file_name_that_is_not_utf8_gets_a_storable_path(tmp_path):
    name = os.fsdecode("新闻.txt".encode("gbk"))
    (tmp_path / name).write_text(PAGE, encoding="utf-8")
    [p] = discover(tmp_path)
    assert relative_path(p, tmp_path) == "新闻.txt"
    f = read_source_file(p, tmp_path)
    assert f.path == "新闻.txt" and f.status == "ok"
    f.path.encode("utf-8")  # storable
    junk = os.fsdecode(b"\xff\xfe.txt")
    assert relative_path(tmp_path / junk, tmp_path) == "\\xff\\xfe.txt"


def test_rejected_rows_are_stable_across_reruns(tmp_path):
    """A rerun with the same bad files rewrites nothing (ingested_at kept): rejections are idempotent."""
    from etl.raw import sync_source_files
    from etl.warehouse import ensure_schema

    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    os.mkfifo(tmp_path / "pipe.txt")
    conn = duckdb.connect()
    ensure_schema(conn)
    sync_source_files(conn, tmp_path)
    first = conn.execute("SELECT path, file_id, ingested_at, error FROM raw.source_files ORDER BY path").fetchall()
    stats = sync_source_files(conn, tmp_path)
    assert stats.unchanged == 3 and stats.rejected == 3
    assert conn.execute("SELECT path, file_id, ingested_at, error FROM raw.source_files ORDER BY path").fetchall() == first
    # fixing a file in place changes its bytes, hence its file_id: the next sync replaces the row
    (tmp_path / "empty.txt").write_text(PAGE, encoding="utf-8")
    stats = sync_source_files(conn, tmp_path)
    assert stats.replaced == 1
    assert conn.execute("SELECT status FROM raw.source_files WHERE path = 'empty.txt'").fetchone()[0] == "ok"


def test_ingested_at_is_utc_naive():
    f = read_source_file(SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0], SEEDS)
    assert isinstance(f.ingested_at, datetime) and f.ingested_at.tzinfo is None
    assert f.file_id == hashlib.sha256((SEEDS / f.path).read_bytes()).hexdigest()


# ------------------------------------------------------------------ end to end (shared with the script)

@pytest.fixture(scope="module")
def inputs_outcomes(tmp_path_factory, built):
    return fs.scenario_inputs(tmp_path_factory.mktemp("inputs"), reference_db=built.db_path)


@pytest.mark.e2e
def test_every_bad_input_end_to_end(inputs_outcomes):
    """The table of scripts/fault_scenarios.py's 'inputs' group: no row may FAIL."""
    failed = [o for o in inputs_outcomes if o.failed]
    assert not failed, "\n" + fs.format_table(failed)
    names = {o.scenario for o in inputs_outcomes}
    assert {c.scenario for c in fs.input_cases()} <= names


@pytest.fixture(scope="module")
def edge_outcomes(tmp_path_factory):
    return {o.scenario: o for o in fs.scenario_edges(tmp_path_factory.mktemp("edges"))}


@pytest.mark.e2e
def test_a_dangling_symlink_is_not_skipped_by_a_partitioned_run(edge_outcomes):
    o = edge_outcomes["dangling symbolic link in seeds/"]
    assert o.ok, o.observed


@pytest.mark.e2e
def test_a_non_utf8_file_name_is_registered_read_and_stored(edge_outcomes):
    o = edge_outcomes["file name that is not valid UTF-8"]
    assert o.ok, o.observed
