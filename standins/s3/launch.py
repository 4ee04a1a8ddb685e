"""Start the S3 stand-in as a subprocess on a free loopback port and wait until it answers:

from standins.s3.launch import start_s3_standin

with start_s3_standin() as s3:
    s3.endpoint_url   # "http://127.0.0.1:54321": S3_ENDPOINT_URL for the platform
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from standins.ready import wait_until_ready

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningS3:
    endpoint_url: str
    process: subprocess.Popen[bytes]
    log: Path | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> RunningS3:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_s3_standin(
    *,
    secret_key: str = "test",
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = 30.0,
    log: Path | None = None,
) -> RunningS3:
    """`log`: where the server's own output goes (its request lines and any traceback); else nowhere."""
    port = port or free_port()
    command = [sys.executable, "-m", "standins.s3", "--host", host, "--port", str(port), "--secret-key", secret_key]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with open(log or os.devnull, "ab") as output:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=output)
    standin = RunningS3(f"http://{host}:{port}", process, log)
    # moto answers ListBuckets without credentials checks
    wait_until_ready(process, f"{standin.endpoint_url}/", standin.stop, "S3", timeout)
    return standin
