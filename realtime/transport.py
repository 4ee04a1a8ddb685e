"""The seam between the hub (protocol, auth, ids, history, presence) and whatever serves sockets.

A transport owns the sockets and the local fan-out; the hub owns everything else. Two transports
exist: socketify's native websockets (uWebSockets topics) in production, and an ASGI one that
serves uvicorn and in-process tests.
"""

from __future__ import annotations

import itertools
import os
import secrets
from abc import ABC, abstractmethod
from typing import Any, Protocol

_PROCESS_TAG = secrets.token_hex(6)
_serials = itertools.count(1)


def _new_process_tag() -> None:
    """A forked process is another process: its connections must not share ids with its parent's."""
    global _PROCESS_TAG
    _PROCESS_TAG = secrets.token_hex(6)


os.register_at_fork(after_in_child=_new_process_tag)


class Connection(ABC):
    """One client socket as the hub sees it. Slotted: one process holds tens of thousands."""

    __slots__ = ("serial", "state", "user")

    def __init__(self) -> None:
        self.serial = next(_serials)
        # Set by the hub once the socket authenticated; None for anonymous clients.
        self.user: Any = None
        # Free slot for the hub's per-connection bookkeeping (subscriptions, presence, ...).
        self.state: Any = None

    @property
    def id(self) -> str:
        """Unique across processes (presence entries are keyed by it); built when asked, not stored."""
        return f"{_PROCESS_TAG}-{self.serial}"

    @abstractmethod
    def send(self, frame: str) -> None:
        """Queue one text frame; never blocks. A client too far behind is disconnected."""

    @abstractmethod
    def join(self, topic: str) -> None:
        """Receive every frame later published to `topic` in this process."""

    @abstractmethod
    def leave(self, topic: str) -> None: ...

    @abstractmethod
    def close(self, code: int = 1000, reason: str = "") -> None: ...


class Transport(ABC):
    @abstractmethod
    def publish(self, topic: str, frame: str) -> None:
        """Send `frame` to every local connection joined to `topic`."""

    @abstractmethod
    def connection_count(self) -> int: ...


class HubCallbacks(Protocol):
    """What a transport calls on the hub, with the token `connect_token` read from the handshake."""

    async def opened(self, conn: Connection, token: str | None) -> None: ...

    async def received(self, conn: Connection, text: str) -> None: ...

    def closed(self, conn: Connection) -> None: ...


def connect_token(query_token: str | None, authorization: str | None) -> str | None:
    """The token a client connects with: `?token=`, else an `Authorization: Bearer` header."""
    if query_token:
        return query_token
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
