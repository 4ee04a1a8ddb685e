"""Waiting for a stand-in started as a subprocess to answer, shared by the launchers."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import httpx


def wait_until_ready(
    process: subprocess.Popen, probe_url: str, stop: Callable[[], None], name: str, timeout: float
) -> None:
    """Return once `probe_url` answers 200. Else, or if this process is told to stop meanwhile (Ctrl-C,
    a signal turned into SystemExit), `stop()` the stand-in before raising: none is left behind."""
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the {name} stand-in exited with {process.returncode} before it was ready")
            try:
                if httpx.get(probe_url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the {name} stand-in did not answer on {probe_url} within {timeout} s")
    except BaseException:
        stop()
        raise
