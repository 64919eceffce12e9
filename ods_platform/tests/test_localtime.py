"""Typed wall-clock times on the nights daylight saving changes (Europe/Stockholm)."""

from datetime import UTC, datetime

import time_machine

from ods_platform.lib.localtime import aware_local


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_an_ordinary_time_is_read_in_local_time():
    assert aware_local(datetime(2027, 6, 10, 22, 30)) == utc(2027, 6, 10, 20, 30)
    assert aware_local(datetime(2027, 1, 10, 22, 30)) == utc(2027, 1, 10, 21, 30)


def test_a_repeated_time_is_the_latest_one_not_in_the_future():
    typed = datetime(2027, 10, 31, 2, 30)  # happens at 00:30 and at 01:30 UTC
    with time_machine.travel(utc(2027, 10, 31, 0, 40), tick=False):  # first 02:40
        assert aware_local(typed) == utc(2027, 10, 31, 0, 30)
    with time_machine.travel(utc(2027, 10, 31, 1, 35), tick=False):  # second 02:35
        assert aware_local(typed) == utc(2027, 10, 31, 1, 30)
    with time_machine.travel(utc(2027, 11, 2, 12, 0), tick=False):  # days later: the later
        assert aware_local(typed) == utc(2027, 10, 31, 1, 30)


def test_a_skipped_time_is_read_with_the_winter_offset():
    # 02:30 on 28 March does not exist; clocks not yet put forward show it at 01:30 UTC.
    assert aware_local(datetime(2027, 3, 28, 2, 30)) == utc(2027, 3, 28, 1, 30)
