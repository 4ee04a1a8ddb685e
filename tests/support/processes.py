"""Processes seen through /proc: for the suite's checks on servers that start workers, and for the
benches' CPU readings of a supervisor and its workers."""

from __future__ import annotations

from pathlib import Path


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # gone while listed
    return found
