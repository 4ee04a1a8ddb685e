"""Connection ids are unique across processes (presence is keyed by them), forked ones included: the
test suite forks its web processes from one that imported the app (tests/support/forkserver.py), and
so may a deployment."""

from __future__ import annotations

import os

from realtime import transport


def test_a_forked_process_tags_its_connections_anew():
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its tag and leave at once
        os.write(write_end, transport._PROCESS_TAG.encode())
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    childs = os.read(read_end, 64).decode()
    os.close(read_end)
    assert os.waitstatus_to_exitcode(status) == 0
    assert len(childs) == len(transport._PROCESS_TAG) == 12
    assert childs != transport._PROCESS_TAG
