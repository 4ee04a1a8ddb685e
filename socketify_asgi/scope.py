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
_NULL, _cast, _buffer = ffi.NULL, ffi.cast, ffi.buffer
_HEAD_END_THEN_FENCE = b"\r\n\r\n\r"  # uWS writes "\r" just past the data it received
_libc_ffi = cffi.FFI()
_libc_ffi.cdef("int getpeername(int sockfd, void *addr, unsigned int *addrlen);")
_libc = _libc_ffi.dlopen(None)
_peer_buf = _libc_ffi.new("unsigned char[128]")
_peer_len = _libc_ffi.new("unsigned int *")


def request_scope(server: Server, res: Any, info: Any, kind: str, scheme: str) -> tuple[dict[str, Any], bool]:
    """The ASGI scope of an HTTP request ("method" included) or a websocket handshake, and whether
    the request is the last thing in the buffer uWS is parsing (nothing pipelined after it)."""
    method, raw_path, query_string, headers, last_in_buffer = read_head(info)
    path = raw_path.decode("latin-1")
    if "%" in path:
        path = unquote(path)
    scope = {
        "type": kind,
        "asgi": _ASGI,
        "http_version": "1.1",
        "server": server.server_addr,
        "client": server.peers.get(res),
        "scheme": scheme,
        "root_path": "",
        "path": path,
        "raw_path": raw_path,
        "query_string": query_string,
        "headers": headers,
        "state": server.state.copy(),
    }
    if kind == "http":
        scope["method"] = method.decode("latin-1")
    return scope, last_in_buffer


def read_head(info: Any) -> tuple[bytes, bytes, bytes, list[tuple[bytes, bytes]], bool]:
    """Method, raw path, query string (without "?"), (lowercased name, value) headers in order, and
    whether nothing follows the head in uWS's buffer.

    uWS parses the request head in place (lowercasing header names), so the request line and the
    headers socketify lists lie one after the other in one buffer: one cffi read and a split in
    Python, instead of two cffi reads a header (~0.6 us each). The read goes 5 bytes past the last
    header value: "\\r\\n\\r\\n" ends the head, and then either the next pipelined request starts
    or uWS's fence byte "\\r" marks the end of what it received. A head laid out otherwise (no
    headers, a line socketify left out of its list, spaces after the last value) is read field by
    field and counted as followed by more.
    """
    method_size, full_size = info.method_size, info.full_url_size
    start, first = info.method, info.header_list
    if first != _NULL and info.full_url - start == method_size + 1:
        last, count = first, 2  # the request line and the first header
        following = first.next
        while following:
            last = _cast(_HEADER_PTR, following)
            following = last.next
            count += 1
        block = _buffer(start, last.value - start + last.value_size + 5)[:]
        lines = block[:-5].split(b"\r\n")
        if len(lines) == count:
            line = lines[0]
            path_start = method_size + 1
            path_end = path_start + info.url_size
            headers = []
            for header in lines[1:]:
                name, _, value = header.partition(b":")
                headers.append((name, value.strip(b" \t")))
            query_string = line[path_end + 1 : path_start + full_size]
            last_in_buffer = block[-5:] == _HEAD_END_THEN_FENCE
            return line[:method_size], line[path_start:path_end], query_string, headers, last_in_buffer
    return _read_head_field_by_field(info)


def _read_head_field_by_field(info: Any) -> tuple[bytes, bytes, bytes, list[tuple[bytes, bytes]], bool]:
    headers = []
    header = info.header_list
    while header != _NULL:
        headers.append((ffi.unpack(header.name, header.name_size), ffi.unpack(header.value, header.value_size)))
        header = _cast(_HEADER_PTR, header.next)
    method = ffi.unpack(info.method, info.method_size)
    raw_path = ffi.unpack(info.url, info.url_size)
    return method, raw_path, ffi.unpack(info.query_string, info.query_string_size)[1:], headers, False


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
