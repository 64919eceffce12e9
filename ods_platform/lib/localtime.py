"""Wall-clock times typed by people, read as instants in the platform's time zone.

A time typed into a form or a file has no offset. Most of the year that is unambiguous; on
the two nights a year when daylight saving changes it is not:

- In October the hour 02:00–02:59 happens twice. A field worker logging "02:30" during the
  second 02:30 means that one, so a repeated time is read as its latest occurrence that is
  not in the future (and as the earlier one when both are).
- In March the hour 02:00–02:59 is skipped. A time in it is read with the offset from before
  the change, as clocks that have not been put forward show it: "02:30" is 03:30 summer time.

Django's form fields refuse both cases outright ("could not be interpreted"), which on those
nights refused the observation form's own default time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

# How far in the future a typed time may lie and still count as "now" (phone clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


def _shows(aware: datetime, naive: datetime) -> bool:
    """Whether the instant reads as `naive` on the local clock."""
    return aware.astimezone(UTC).astimezone(aware.tzinfo).replace(tzinfo=None) == naive


def aware_local(naive: datetime, now: datetime | None = None) -> datetime:
    """The instant (in UTC) a wall-clock time in the platform's time zone means.

    In UTC because Python compares two times of one zone by their clock readings alone, so
    the two 02:30s of an October night would compare equal."""
    zone = timezone.get_default_timezone()
    naive = naive.replace(tzinfo=None)
    earlier, later = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    real = sorted({m.astimezone(UTC) for m in (earlier, later) if _shows(m, naive)})
    if not real:  # skipped by the spring change: fold 0 carries the winter offset
        return earlier.astimezone(UTC)
    limit = (now or timezone.now()) + FUTURE_TOLERANCE
    past = [moment for moment in real if moment <= limit]
    return past[-1] if past else real[0]
