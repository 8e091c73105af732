"""Rule R7: repeated blocks. A line (or a run of re-wrapped lines) whose text was
already printed earlier on the page is a duplicate; see docs/page-grammar.md §R7."""
from __future__ import annotations

from etl.parse.lines import head_like
from etl.parse.records import Line

DUP_MIN_CORE = 16             # shortest run (core chars) accepted as a duplicate
DUP_MIN_CORE_HEADLIKE = 24    # ... when it is a single headline-like line
DUP_FULL_SEARCH_LIMIT = 300_000  # above this page size only exact line repeats are checked
_DEDUP_KINDS = {"text", "dateline", "up_start", "bullet"}


def find_duplicates(seq: list[Line], total_chars: int) -> list[list[Line]]:
    """Runs of lines judged to repeat earlier text.

    ``seq`` is the non-blank, non-chrome lines in order. A run starting at k is
    the longest k..j whose concatenated core text occurs in the core text of
    everything before k; it counts when it is >= DUP_MIN_CORE chars
    (DUP_MIN_CORE_HEADLIKE for one headline-like line) or when it directly
    continues the previous duplicate run. Marked headings are never duplicates.
    """
    runs: list[list[Line]] = []
    full = total_chars <= DUP_FULL_SEARCH_LIMIT
    seen = ""
    seen_lines: set[str] = set()
    prev_dup = False
    last_dup_core = ""
    k, n = 0, len(seq)

    def eligible(ln: Line) -> bool:
        return ln.kind in _DEDUP_KINDS and ln.level == 0 and bool(ln.core)

    while k < n:
        ln = seq[k]
        if not eligible(ln):
            prev_dup = False
            k += 1
            continue
        c = ln.core
        if (c in seen) if full else (c in seen_lines):
            j, acc = k, c
            if full:
                while j + 1 < n and eligible(seq[j + 1]) and (acc + seq[j + 1].core) in seen:
                    j += 1
                    acc += seq[j].core
            need = DUP_MIN_CORE_HEADLIKE if (j == k and head_like(ln)) else DUP_MIN_CORE
            tail = prev_dup and full and (last_dup_core + acc) in seen
            if len(acc) >= need or tail:
                runs.append(seq[k: j + 1])
                for x in range(k, j + 1):
                    if full:
                        seen += seq[x].core
                    seen_lines.add(seq[x].core)
                prev_dup = True
                last_dup_core = seq[j].core
                k = j + 1
                continue
        if full:
            seen += c
        seen_lines.add(c)
        prev_dup = False
        k += 1
    return runs
