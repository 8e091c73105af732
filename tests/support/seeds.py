"""Where the project and its seed pages are, and the one helper that copies seeds into a scratch folder."""

from __future__ import annotations

import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT / "seeds"
SEED_PAGES: list[Path] = sorted(SEEDS.glob("*.txt"))


def copy_seeds(dest: Path, pages: int | slice | list[int] | None = None) -> Path:
    """Copy the seed pages into ``dest`` (created) and return it.

    ``pages`` picks some of them by index into :data:`SEED_PAGES` (an int, a slice or a list);
    ``None`` copies the whole seeds folder.
    """
    dest = Path(dest)
    if pages is None:
        shutil.copytree(SEEDS, dest, dirs_exist_ok=True)
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    if isinstance(pages, int):
        chosen = [SEED_PAGES[pages]]
    elif isinstance(pages, slice):
        chosen = SEED_PAGES[pages]
    else:
        chosen = [SEED_PAGES[i] for i in pages]
    for page in chosen:
        shutil.copy(page, dest / page.name)
    return dest
