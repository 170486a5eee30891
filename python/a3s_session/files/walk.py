"""The session files under a directory, found the way the Arrow scan finds them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .model import _V1_SESSIONS

__all__ = ["session_files", "store_roots"]


def session_files(root: str | os.PathLike[str]) -> Iterator[tuple[str, os.stat_result]]:
    """The files the scan reads under ``root`` (or ``root`` itself), with their stat, in the
    scan's order: ``*.json`` by name, a directory's files before its subdirectories, hidden
    entries skipped, symlinked directories not followed."""
    top = os.fspath(root)
    st = os.stat(top)
    if not os.path.isdir(top):
        yield top, st
        return
    json_paths, dirs = _listing(top)
    for path in json_paths:
        try:
            info = os.stat(path)
        except OSError:
            info = os.lstat(path)  # dangling: the scan reports it
        yield path, info
    for d in dirs:
        yield from session_files(d)


def store_roots(top: str | os.PathLike[str]) -> list[Path]:
    """The store directories under ``top`` (``top`` included): each directory holding
    ``*.json`` (legacy) or ``v1/sessions/`` (today's layout), in walk order.

    The same directories as the parents of :func:`session_files`' files, found from the
    listings alone: a file's kind comes from the directory entry, so nothing is stat'ed per
    file (that stat was most of the walk over a store of small sessions)."""
    roots: dict[Path, None] = {}
    _find_roots(os.fspath(top), roots)
    return list(roots)


def _find_roots(directory: str, roots: dict[Path, None]) -> None:
    json_paths, dirs = _listing(directory)
    if json_paths:
        here = Path(directory)
        if here.parts[-2:] == tuple(Path(_V1_SESSIONS).parts):
            here = here.parent.parent
        roots.setdefault(here, None)
    for d in dirs:
        _find_roots(d, roots)


def _listing(directory: str) -> tuple[list[str], list[str]]:
    """(paths of the ``*.json`` entries that are not directories, paths of the
    subdirectories not reached through a symlink) of ``directory``, each sorted; hidden
    entries skipped. Kinds come from the listing (a stat only for symlinks)."""
    files: list[str] = []
    dirs: list[str] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                dirs.append(entry.path)
            elif entry.name.endswith(".json") and not entry.is_dir():
                files.append(entry.path)
    return sorted(files), sorted(dirs)
