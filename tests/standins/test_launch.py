"""A process told to stop while its stand-in is still starting takes the stand-in with it (a bench
stopped by a signal left moto or the Stripe stand-in running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.support.processes import children_of, is_running

ROOT = Path(__file__).resolve().parents[2]

STARTS_A_STANDIN = {
    "s3": "from standins.s3.launch import start_s3_standin as start\nstart()",
    "stripe": "from standins.stripe.launch import start_stripe_standin as start\nimport tempfile, pathlib\n"
    "start(pathlib.Path(tempfile.mkdtemp()))",
}


@pytest.mark.parametrize("kind", sorted(STARTS_A_STANDIN))
def test_a_launcher_stopped_while_its_standin_starts_leaves_no_standin(kind: str) -> None:
    script = (
        textwrap.dedent(
            """
        import signal, sys
        def stop(signum, frame):
            raise SystemExit(128 + signum)
        signal.signal(signal.SIGTERM, stop)
        """
        )
        + STARTS_A_STANDIN[kind]
    )
    launcher = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    standins: list[int] = []
    try:
        deadline = time.monotonic() + 20
        while not (standins := children_of(launcher.pid)):
            assert launcher.poll() is None and time.monotonic() < deadline, "the stand-in was never started"
            time.sleep(0.005)
        launcher.send_signal(signal.SIGTERM)  # at once: the stand-in is still importing, not yet answering
        assert launcher.wait(timeout=20) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 5
        while any(is_running(pid) for pid in standins) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in standins if is_running(pid)], "the stand-in outlived its launcher"
    finally:
        launcher.kill()
        for pid in standins:
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)
