"""The ASGI scope of a request socketify hands over, shaped as uvicorn shapes it."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import cffi
from socketify.native import ffi

if TYPE_CHECKING:
    from .server import Server

ASGIApp = Callable[..., Any]
_ASGI = {"version": "3.0", "spec_version": "2.4"}
_HEADER_PTR = ffi.typeof("socketify_header *")
_libc_ffi = cffi.FFI()
_libc_ffi.cdef("int getpeername(int sockfd, void *addr, unsigned int *addrlen);")
_libc = _libc_ffi.dlopen(None)
_peer_buf = _libc_ffi.new("unsigned char[128]")
_peer_len = _libc_ffi.new("unsigned int *")


def request_scope(server: Server, res: Any, info: Any, kind: str, scheme: str) -> dict[str, Any]:
    """The scope keys an HTTP request and a websocket handshake share, from socketify's request info."""
    headers = []
    header = info.header_list
    while header != ffi.NULL:
        headers.append((ffi.unpack(header.name, header.name_size), ffi.unpack(header.value, header.value_size)))
        header = ffi.cast(_HEADER_PTR, header.next)
    raw_path = ffi.unpack(info.url, info.url_size)
    path = raw_path.decode("latin-1")
    if "%" in path:
        path = unquote(path)
    return {
        "type": kind,
        "asgi": _ASGI,
        "http_version": "1.1",
        "server": server.server_addr,
        "client": server.peers.get(res),
        "scheme": scheme,
        "root_path": "",
        "path": path,
        "raw_path": raw_path,
        "query_string": ffi.unpack(info.query_string, info.query_string_size)[1:],
        "headers": headers,
        "state": server.state.copy(),
    }


def peer_address(native_handle: Any) -> tuple[str, int] | None:
    """(host, port) of a plain-TCP uWS socket, whose native handle is its file descriptor."""
    _peer_len[0] = 128
    if _libc.getpeername(int(ffi.cast("intptr_t", native_handle)), _peer_buf, _peer_len) != 0:
        return None
    raw = bytes(_libc_ffi.buffer(_peer_buf, _peer_len[0]))
    port = int.from_bytes(raw[2:4], "big")
    if raw[0] == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, raw[4:8]), port
    address = raw[8:24]
    if address[:12] == b"\0" * 10 + b"\xff\xff":
        return socket.inet_ntop(socket.AF_INET, address[12:]), port
    return socket.inet_ntop(socket.AF_INET6, address), port
