"""Live web processes forked from one that has imported the app already, so each test's server starts
without paying Python's imports again (~1-3 s each, ~200 servers a run).

`python -m app serve ...` in a subprocess stays the reference: a forked server runs the same
`app.cli.main(argv)` with the same environment, working directory, stdout and stderr (the test's own,
passed over the socket), in a new session (so its pid is its process group, as `start_new_session`
gives). Only the imports are shared: nothing of the app is built before the fork (no threads, no event
loop, no sockets), and `random` reseeds itself in a forked child.

The zygote (`python -m tests.support.forkserver FD`) keeps every server as its child, reaps it and
reports its exit code, so `ForkedProcess` answers `poll()`, `wait()` and `returncode` as Popen does.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import traceback
from typing import Any

# What `python -m app serve` imports, done once in the zygote: its modules, and those Litestar and the
# stripe SDK import only when the app is built or first called.
PRELOAD = (
    "app.cli", "app.main", "realtime.socketify_transport", "socketify_asgi", "uvicorn", "uvloop", "httptools",
    "pydantic", "litestar.plugins.pydantic", "litestar.plugins.attrs", "litestar._kwargs",
    "litestar.middleware.csrf", "litestar.middleware.allowed_hosts", "litestar.middleware.response_cache",
    "litestar.logging.standard", "httpcore", "h11",
    "stripe._stripe_client", "stripe._v1_services", "stripe._v2_services", "stripe._webhook",
)  # fmt: skip
_MESSAGE = 1 << 20


class ForkedProcess:
    """The part of subprocess.Popen the tests use, for a server the zygote forked."""

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self.zygote, self.pid = zygote, pid
        self.args: list[str] = []
        self.returncode: int | None = None  # set by the zygote's report, under `zygote.changed`

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        code = self.zygote.wait_for(self, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return code

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass  # exited an instant ago; the zygote's report is on its way

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """The test side: asks the zygote for forks and collects its exit reports on a thread."""

    @classmethod
    def start(cls) -> Zygote:
        from app.settings import PROJECT_ROOT

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        return cls(ours, process)

    def __init__(self, sock: socket.socket, process: subprocess.Popen) -> None:
        self.sock, self.process = sock, process
        self.changed = threading.Condition()
        self.started: list[ForkedProcess | str] = []
        # Forks still running, by pid: a pid is given out again only after its exit is reported, so an
        # exit always finds its own fork, never an earlier one's.
        self.running: dict[int, ForkedProcess] = {}
        self.alive = True
        self.asking = threading.Lock()
        threading.Thread(target=self._listen, name="forkserver-reports", daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                message = self.sock.recv(_MESSAGE).decode()
            except OSError:
                message = ""
            with self.changed:
                if not message:
                    self.alive = False
                    self.changed.notify_all()
                    return
                kind, _, rest = message.partition(" ")
                if kind == "exited":
                    pid, code = map(int, rest.split())
                    if fork := self.running.pop(pid, None):
                        fork.returncode = code
                elif kind == "started":
                    fork = self.running[int(rest)] = ForkedProcess(self, int(rest))
                    self.started.append(fork)
                else:
                    self.started.append(rest)
                self.changed.notify_all()

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str) -> ForkedProcess:
        """`python -m app <argv>` as a fork of the zygote, with the caller's stdout and stderr."""
        request = json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}).encode()
        with self.asking:
            sys.stdout.flush()
            sys.stderr.flush()
            socket.send_fds(self.sock, [request], [1, 2])
            with self.changed:
                if not self.changed.wait_for(lambda: self.started or not self.alive, timeout=30):
                    raise RuntimeError("the fork server did not answer")
                if not self.started:
                    raise RuntimeError(f"the fork server exited with {self.process.poll()}")
                answer = self.started.pop(0)
        if isinstance(answer, str):
            raise RuntimeError(f"the fork server could not fork: {answer}")
        answer.args = [sys.executable, "-m", "app", *argv]
        return answer

    def wait_for(self, fork: ForkedProcess, timeout: float | None) -> int | None:
        with self.changed:
            self.changed.wait_for(lambda: fork.returncode is not None or not self.alive, timeout)
            return fork.returncode

    def close(self) -> None:
        self.sock.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_zygote: Zygote | None = None
_zygote_lock = threading.Lock()


def zygote() -> Zygote | None:
    """The session's zygote, started on first use; None where forking is off (FORKSERVER=0)."""
    global _zygote
    if os.environ.get("FORKSERVER", "1") == "0":
        return None
    with _zygote_lock:
        if _zygote is None or not _zygote.alive:
            _zygote = Zygote.start()
            atexit.register(_zygote.close)
        return _zygote


# --- the zygote's side -------------------------------------------------------------------------


def _serve(sock: socket.socket) -> None:
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    if threading.active_count() != 1:
        raise SystemExit(f"an import started a thread ({threading.enumerate()}): forking would copy it half-way")
    # What the imports made is frozen here once, so each server's own freeze before it serves
    # (app/core/heap.py) collects only what it built since the fork: ~14 ms, not ~125 ms a server.
    gc.collect()
    gc.freeze()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; pytest ends us
    events = selectors.DefaultSelector()
    events.register(sock, selectors.EVENT_READ)
    events.register(wake_read, selectors.EVENT_READ)
    while True:
        for key, _ in events.select():
            if key.fileobj is sock:
                message, fds, _, _ = socket.recv_fds(sock, _MESSAGE, 2)
                if not message:
                    return  # the tests are done; servers still running go on, as Popen's would
                request = json.loads(message)
                try:
                    pid = os.fork()
                except OSError as exc:
                    sock.send(f"failed {exc}".encode())
                    continue
                if pid == 0:
                    _child(request, fds, sock, [wake_read, wake_write], events)
                for fd in fds:
                    os.close(fd)
                sock.send(f"started {pid}".encode())
            else:
                os.read(wake_read, 4096)
                _report_exits(sock)


def _report_exits(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        sock.send(f"exited {pid} {os.waitstatus_to_exitcode(status)}".encode())


def _child(
    request: dict[str, Any], fds: list[int], sock: socket.socket, pipe: list[int], events: selectors.BaseSelector
) -> None:
    """In the forked process: the zygote's ends closed (this copy only), the request's stdio, session,
    directory and environment taken, then `python -m app <argv>`; never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        events.close()
        sock.close()
        for fd in pipe:
            os.close(fd)
        os.setsid()
        stdout, stderr = fds
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        os.close(stdout)
        os.close(stderr)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        argv = request["argv"]
        sys.argv = [os.path.join(request["cwd"], "app", "__main__.py"), *argv]
        sys.orig_argv = [sys.executable, "-m", "app", *argv]  # socketify's worker supervisor re-runs it
        from app.cli import main

        main(argv)
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    _serve(socket.socket(fileno=int(sys.argv[1])))
