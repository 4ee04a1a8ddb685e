"""The uWS (libuv) loop run from the asyncio loop (uvloop), and the task type requests run in."""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Callable
from typing import Any

from socketify.native import ffi, lib

# How often the uWS loop runs even without socket events: its timers (idle sweeps, pings) tick in seconds.
_UV_TICK_SECONDS = 0.25

_current_tasks = asyncio.tasks._current_tasks


class UwsLoop:
    """socketify's libuv loop, run without waiting whenever its epoll fd is readable or uWS asks."""

    def __init__(self, loop: asyncio.AbstractEventLoop, after_run: Callable[[], None]) -> None:
        self.loop = loop
        self.after_run = after_run  # called after every run of the uWS loop
        self.uv = lib.socketify_create_loop()
        if lib.socketify_constructor_failed(self.uv):
            raise RuntimeError("socketify could not create its libuv loop")
        lib.uws_get_loop_with_native(lib.socketify_get_native_loop(self.uv))
        self.wake_scheduled = False
        self.running = False  # inside the uWS loop, and so inside a uWS callback: it must not run again
        self.ticker: asyncio.TimerHandle | None = None
        self.backend_fd = -1

    def start(self) -> None:
        self.backend_fd = _uv_backend_fd(self.uv)
        self.loop.add_reader(self.backend_fd, self.pump)
        self._tick()

    def stop(self) -> None:
        self.loop.remove_reader(self.backend_fd)
        self.ticker.cancel()

    def pump(self) -> None:
        self.wake_scheduled = False
        self.running = True
        try:
            lib.socketify_loop_run(self.uv, lib.SOCKETIFY_RUN_NOWAIT)
        finally:
            self.running = False
        self.after_run()

    def run_now(self) -> None:
        """Run the uWS loop at once, or soon when called from inside it (a uWS callback)."""
        if self.running:
            self.wake()
        else:
            self.pump()

    def wake(self) -> None:
        """Run the uWS loop again soon. Every uWS event calls it: libuv applies the epoll changes an
        event causes (a new socket to watch, a wait for writability) only in its next iteration,
        and uWS delivers publishes and finishes closes there too."""
        if not self.wake_scheduled:
            self.wake_scheduled = True
            self.loop.call_soon(self.pump)

    def _tick(self) -> None:
        self.pump()
        self.ticker = self.loop.call_later(_UV_TICK_SECONDS, self._tick)


def _uv_backend_fd(uv_loop: Any) -> int:
    """The epoll descriptor of socketify's libuv loop (uv_loop_t.backend_fd, libuv 1.x on Linux)."""
    fd = ffi.cast("int *", lib.socketify_get_native_loop(uv_loop))[16]
    if os.readlink(f"/proc/self/fd/{fd}") != "anon_inode:[eventpoll]":
        raise RuntimeError("unexpected libuv loop layout in this socketify build")
    return fd


class RequestTask(asyncio.tasks._PyTask):
    """A genuine asyncio Task whose first step runs immediately, in the caller's stack frame.

    Built from CPython's internals, identical in 3.11 to 3.13 (python_version.py bounds the server
    to them): the pure-Python Task's __init__ inlined, its private __step, the current-task registry."""

    _name = "asgi-request"
    _num_cancels_requested = 0
    _must_cancel = False
    _fut_waiter = None

    def __init__(self, coro: Any, loop: asyncio.AbstractEventLoop) -> None:
        # Future.__init__ and Task.__init__ inlined: the latter would schedule the first step.
        self._loop = loop
        self._callbacks = []
        self._coro = coro
        self._context = context = contextvars.copy_context()
        outer = _current_tasks.get(loop)
        if outer is None:
            context.run(self._Task__step)
        else:
            # A websocket close emitted inside another task's step reaches us with that task current.
            asyncio.tasks._leave_task(loop, outer)
            try:
                context.run(self._Task__step)
            finally:
                asyncio.tasks._enter_task(loop, outer)
        if not self.done():
            asyncio.tasks._register_task(self)
