"""The collector in a long-running process. What startup built (modules, the app and its routes, the
catalog, the places gazetteer) lives as long as the process, yet each full collection walks it all:
~145,000 objects, ~100 ms on this machine, a stall for every request in flight (bench/README.md,
session L: searches 16 at once). Frozen once the process has built its app (app/cli.py `serve`,
`worker`), it is left out of every later collection. Not in the app's lifespan: the tests start an app
in their own process for each test, and freezing there would keep each test's objects forever."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Once, before the process serves: collect startup's garbage, then freeze what remains."""
    gc.collect()
    gc.freeze()
