"""The suite's fork server (tests/support/forkserver.py) must answer for each server it forked, even
when the system gives a finished server's pid to a new one (CI once saw a fresh server reported as
"exited with 0": the exit kept under its pid was an earlier server's)."""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest

from tests.support.forkserver import Zygote


def _playing_the_zygote() -> tuple[Zygote, socket.socket]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    return Zygote(ours, process=None), theirs  # type: ignore[arg-type]


def _answer_one_request(theirs: socket.socket, *answers: str) -> threading.Thread:
    def answer() -> None:
        message, fds, _, _ = socket.recv_fds(theirs, 1 << 20, 2)
        assert json.loads(message)["argv"] == ["serve"]
        for fd in fds:
            os.close(fd)
        for line in answers:
            theirs.send(line.encode())

    thread = threading.Thread(target=answer)
    thread.start()
    return thread


def test_a_pid_given_out_again_belongs_to_the_new_server_not_the_one_that_exited():
    zygote, theirs = _playing_the_zygote()
    replies = _answer_one_request(theirs, "started 4242", "exited 4242 0")
    first = zygote.spawn(["serve"], {}, "/")
    replies.join()
    assert first.wait(timeout=5) == 0

    replies = _answer_one_request(theirs, "started 4242")
    second = zygote.spawn(["serve"], {}, "/")
    replies.join()
    assert second.pid == first.pid == 4242
    assert second.poll() is None
    assert first.poll() == 0

    theirs.send(b"exited 4242 3")
    assert second.wait(timeout=5) == 3
    assert first.poll() == 0
    theirs.close()


def test_a_server_that_exits_before_its_start_is_read_still_reports_its_code():
    zygote, theirs = _playing_the_zygote()
    replies = _answer_one_request(theirs, "started 77", "exited 77 2")
    fork = zygote.spawn(["serve"], {}, "/")
    replies.join()
    assert fork.wait(timeout=5) == 2
    theirs.close()


def test_a_failed_fork_is_an_error_naming_why():
    zygote, theirs = _playing_the_zygote()
    replies = _answer_one_request(theirs, "failed [Errno 11] Resource temporarily unavailable")
    with pytest.raises(RuntimeError, match="could not fork: \\[Errno 11\\] Resource temporarily unavailable"):
        zygote.spawn(["serve"], {}, "/")
    replies.join()
    theirs.close()
