"""Multi-process mode: N servers sharing one port, under a supervisor that stops them together."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import cffi

logger = logging.getLogger("socketify_asgi")

_WORKER_OF = "SOCKETIFY_WORKER_OF"  # in a worker's environment: its supervisor's pid
_PR_SET_PDEATHSIG = 1
_libc_ffi = cffi.FFI()
_libc_ffi.cdef("int prctl(int option, unsigned long arg2);")
_libc = _libc_ffi.dlopen(None)


def serve_in_workers(serve: Callable[[bool], int], workers: int) -> int:
    """Exit code of one server (`serve(shared_port)`), or of the supervisor of `workers` servers."""
    supervisor = os.environ.get(_WORKER_OF)
    if supervisor is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        return serve(True) if os.getppid() == int(supervisor) else 1  # else it died before prctl
    if workers > 1:
        return _supervise(workers)
    return serve(False)


def _supervise(count: int) -> int:
    """Run this process's command line `count` more times as workers sharing the port.

    Workers are fresh interpreters, not forks: the app already built here may run threads (a
    logging queue listener, for one) that a fork would leave half-copied. SIGTERM/SIGINT stop
    them all; a worker that exits on its own takes the others down and the first non-zero exit
    code is returned, so the process manager restarts the whole. Workers get SIGTERM if this
    process dies. A worker still starting when they are stopped has no handler yet and dies of
    the SIGTERM: that is the stop asked for, not a failure.
    """
    command = [sys.executable, *sys.orig_argv[1:]]
    environment = {**os.environ, _WORKER_OF: str(os.getpid())}
    children: set[int] = set()
    stopping = False

    def stop_all(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):  # reaped an instant ago
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    for _ in range(count):
        children.add(os.posix_spawn(sys.executable, command, environment))
    if stopping:
        stop_all()
    exit_code = 0
    while children:
        pid, status = os.wait()
        children.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if stopping and code == -signal.SIGTERM:
            code = 0
        if code and not exit_code:
            exit_code = code if code > 0 else 1
        if not stopping:
            logger.error("Worker %d exited with %d; stopping the others", pid, code)
            stop_all()
    return exit_code
