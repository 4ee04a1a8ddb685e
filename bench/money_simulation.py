"""The money simulation (tests/payments/simulation.py) at any size, through the suite's fixtures
(a fresh database, the Stripe stand-in, a live TEST_CLOCK=1 web server, a real arq worker):

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/money_simulation.py --seed 7 --bookings 500

Prints the seed, the actions taken and the wall time; exits non-zero with the audit's findings and
the invariants broken (and the whole step log) when money does not add up. `--unpaced` lets the
shared clock outrun the worker's crons, as after a long worker outage."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--unpaced", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "SIM_SEED": str(args.seed), "SIM_BOOKINGS": str(args.bookings),
           "SIM_PACED": "0" if args.unpaced else "1"}  # fmt: skip
    print(f"money simulation: seed {args.seed}, {args.bookings} bookings, paced={not args.unpaced}", flush=True)
    started = time.monotonic()
    code = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", "-p", "no:cacheprovider",
         "tests/payments/test_simulation.py"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    print(f"seed {args.seed}: {'clean' if code == 0 else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
