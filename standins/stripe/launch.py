"""Start the stand-in as a subprocess on a free port and wait until it answers:

from standins.stripe.launch import start_stripe_standin

standin = start_stripe_standin(data_dir, webhook_url="http://127.0.0.1:8000/api/payments/webhook",
                               webhook_secret="whsec_dev")
standin.base_url   # "http://127.0.0.1:54321": STRIPE_API_BASE for the platform
standin.configure(latency_ms=300)   # any switch of POST /_standin/config
standin.stop()     # or use it as a context manager
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from standins.ready import wait_until_ready

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningStandin:
    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    @cached_property
    def _http(self) -> httpx.Client:
        # One keep-alive client: a new one per call would build a TLS context each time (~30 ms).
        return httpx.Client(base_url=f"{self.base_url}/_standin/", timeout=60)

    def control(self, method: str, path: str, **body: Any) -> Any:
        """A /_standin/ control call, e.g. control("POST", "clock", advance_seconds=3600)."""
        response = self._http.request(method, path, json=body or None)
        response.raise_for_status()
        return response.json()

    def configure(self, **switches: Any) -> dict[str, Any]:
        return self.control("POST", "config", **switches)

    def state(self) -> dict[str, Any]:
        return self.control("GET", "state")

    def stop(self) -> None:
        if "_http" in self.__dict__:
            self.__dict__.pop("_http").close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> RunningStandin:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_stripe_standin(
    data_dir: Path,
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = 20.0,
) -> RunningStandin:
    port = port or free_port()
    command = [sys.executable, "-m", "standins.stripe", "--host", host, "--port", str(port)]
    command += ["--data-dir", str(data_dir)]
    if webhook_url is not None:
        command += ["--webhook-url", webhook_url]
    if webhook_secret is not None:
        command += ["--webhook-secret", webhook_secret]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    standin = RunningStandin(f"http://{host}:{port}", data_dir, process)
    wait_until_ready(process, f"{standin.base_url}/_standin/health", standin.stop, "Stripe", timeout)
    return standin
