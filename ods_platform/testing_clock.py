"""The test session's clock: every test runs at the same instant of the calendar.

The session's clock starts at `ODS_TEST_NOW` (by default a Wednesday in September, 10:00 in
Stockholm, more than 90 days from a daylight-saving change) and then ticks, so no test
depends on the day or the hour the suite is run, and a test that needs a particular day
travels there itself (time-machine). `ODS_TEST_NOW=2027-03-28T01:30:00+00:00 make test` runs
the whole suite at another instant, to check that it holds there too.

The offset from the real clock is put in the environment, so the worker subprocesses the
tests start (`python -m ods_platform.testing_clock -A ods_platform worker ...`, the same
arguments as `celery`) run on the same clock as the tests. Never used in production.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime

import time_machine

DEFAULT_NOW = "2026-09-16T10:00:00+02:00"
OFFSET_ENV = "ODS_TEST_CLOCK_OFFSET_S"


def set_session_offset() -> None:
    """Fix the session's offset from the real clock, once (xdist workers inherit it)."""
    if OFFSET_ENV not in os.environ:
        now = datetime.fromisoformat(os.environ.get("ODS_TEST_NOW", DEFAULT_NOW))
        os.environ[OFFSET_ENV] = repr(now.timestamp() - time.time())


def start() -> None:
    """Move this process's clock by the session's offset; it keeps ticking from there."""
    offset = float(os.environ[OFFSET_ENV])
    time_machine.travel(time.time() + offset, tick=True).start()


if __name__ == "__main__":
    start()
    from celery.__main__ import main

    sys.argv[0] = "celery"
    sys.exit(main())
