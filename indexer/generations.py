"""Generations of an index folder: complete Whoosh indexes side by side, one of them current.

Layout of the index folder::

    CURRENT        names the generation folder being served (replaced atomically)
    gen-000007/    a complete Whoosh index
    write.lock     held (flock) by whichever process is writing or swapping

A rebuild writes a new generation aside and then points CURRENT at it, so readers never see
half an index and a crash before the swap leaves the old generation serving.
"""

import os
import re
import shutil
from pathlib import Path

from whoosh import index as whoosh_index

from indexer import schema

CURRENT = "CURRENT"
_GENERATION_RE = re.compile(r"^gen-(\d{6})$")


def current_name(path: Path) -> str | None:
    """The generation being served, or None for a folder never initialised."""
    try:
        return (path / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


def _names(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if _GENERATION_RE.match(p.name))


def next_name(path: Path) -> str:
    """A name after every existing generation, including leftovers of crashed rebuilds."""
    names = _names(path)
    number = int(names[-1][4:]) + 1 if names else 1
    return f"gen-{number:06d}"


def create(folder: Path) -> whoosh_index.Index:
    folder.mkdir()
    return whoosh_index.create_in(folder, schema.build_schema())


def open_current(path: Path) -> whoosh_index.Index:
    name = current_name(path)
    if name is None:
        raise FileNotFoundError(f"no {CURRENT} in {path}")
    return whoosh_index.open_dir(path / name)


def point_to(path: Path, name: str) -> None:
    """Make ``name`` current; write-then-rename, so a reader sees the old name or the new one."""
    temporary = path / f"{CURRENT}.tmp"
    with open(temporary, "w") as handle:
        handle.write(name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path / CURRENT)


def remove_all_but(path: Path, keep: str) -> None:
    """Delete other generations; searchers open on them elsewhere keep their open files."""
    for name in _names(path):
        if name != keep:
            shutil.rmtree(path / name, ignore_errors=True)
