"""The Pythons this server runs on. Its request task (loop.RequestTask) is built from CPython's own
asyncio internals (the pure-Python Task, its name-mangled step, the current-task registry), checked
against CPython 3.11, 3.12 and 3.13; pyproject.toml's requires-python says the same."""

from __future__ import annotations

import sys

SUPPORTED_PYTHON = ((3, 11), (3, 13))  # CPython, both ends included


def unsupported_python(version: tuple[int, ...], implementation: str) -> str | None:
    """Why this interpreter cannot run the server, or None when it can."""
    lowest, highest = SUPPORTED_PYTHON
    if implementation == "cpython" and lowest <= tuple(version[:2]) <= highest:
        return None
    running = f"{implementation} {'.'.join(str(part) for part in version[:3])}"
    return (
        f"socketify_asgi runs on CPython {lowest[0]}.{lowest[1]} to {highest[0]}.{highest[1]}, not on {running}: "
        "it builds its request tasks from CPython's asyncio internals. Use a supported Python."
    )


def require_supported_python() -> None:
    """Exit with a one-line message (no traceback) on an interpreter the server was not checked on."""
    problem = unsupported_python(tuple(sys.version_info), sys.implementation.name)
    if problem is not None:
        raise SystemExit(problem)
