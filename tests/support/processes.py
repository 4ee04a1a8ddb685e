"""Processes seen through /proc: for the suite's checks on servers that start workers or stand-ins,
and for the benches' CPU readings of a supervisor and its workers and of PostgreSQL's backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path


def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat's fields after the command name: state, parent, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _processes_where(test: Callable[[Path], bool]) -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if test(entry):
                    yield int(entry.name)
            except (OSError, IndexError, ValueError):
                continue  # gone while listed


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is `pid`."""
    return list(_processes_where(lambda entry: int(_stat(entry.name)[1]) == pid))


def pids_named(names: tuple[str, ...]) -> list[int]:
    """The running processes whose command name (/proc/PID/comm) is one of `names`."""
    return list(_processes_where(lambda entry: (entry / "comm").read_text().strip() in names))


def is_running(pid: int) -> bool:
    """`pid` exists and is not a zombie."""
    try:
        return _stat(pid)[0] != "Z"
    except (OSError, IndexError):
        return False


def listening_on(port: int) -> list[int]:
    """The processes holding a TCP socket that listens on `port` (IPv4, any address)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
            inodes.add(f"socket:[{inode}]")

    def holds_one(entry: Path) -> bool:
        return any(str(fd.readlink()) in inodes for fd in (entry / "fd").iterdir())

    return list(_processes_where(holds_one))
