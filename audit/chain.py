"""Checking the audit chain: every seal in order, against the entry it seals.

A seal is broken when its entry is gone or no longer has the content it was sealed with, or
when it does not follow the seal before it (an entry put in or taken out of the middle). An
entry older than a few minutes without a seal was written past the chain. The first problem
found is named; an intact chain answers with its head.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from .triggers import GENESIS

# An entry is sealed when its transaction commits; one still unsealed after this long was
# written with the sealing trigger switched off.
UNSEALED_GRACE = "10 minutes"

_FIRST_BROKEN = f"""
WITH chain AS (
    SELECT s.seq, s.entry_id, s.prev_hash, s.hash,
        lag(s.seq) OVER (ORDER BY s.seq) AS prior_seq,
        lag(s.hash) OVER (ORDER BY s.seq) AS prior_hash,
        e.id AS found, CASE WHEN e.id IS NULL THEN NULL
            ELSE ods_audit_hash(s.prev_hash, e) END AS recomputed
    FROM audit_seal AS s LEFT JOIN audit_entry AS e ON e.id = s.entry_id
)
SELECT seq, entry_id,
    CASE
        WHEN found IS NULL THEN 'missing'
        WHEN recomputed <> hash THEN 'changed'
        WHEN seq <> coalesce(prior_seq, 0) + 1 OR prev_hash <> coalesce(prior_hash, '{GENESIS}')
            THEN 'out_of_order'
    END AS problem
FROM chain
WHERE found IS NULL OR recomputed <> hash OR seq <> coalesce(prior_seq, 0) + 1
    OR prev_hash <> coalesce(prior_hash, '{GENESIS}')
ORDER BY seq
LIMIT 1
"""  # noqa: S608 (constant SQL)
_UNSEALED = f"""
SELECT e.id FROM audit_entry AS e LEFT JOIN audit_seal AS s ON s.entry_id = e.id
WHERE s.seq IS NULL AND e.at < now() - interval '{UNSEALED_GRACE}'
ORDER BY e.id LIMIT 1
"""  # noqa: S608 (constant SQL)
_HEAD = "SELECT seq, hash FROM audit_seal ORDER BY seq DESC LIMIT 1"


@dataclass(frozen=True)
class Verdict:
    intact: bool
    head_seq: int
    head_hash: str
    problem: str = ""  # missing / changed / out_of_order / unsealed / head_mismatch
    seq: int | None = None
    entry_id: int | None = None

    def describe(self) -> str:
        if self.intact:
            return f"The audit chain is intact: {self.head_seq} entries, head {self.head_hash}."
        what = {
            "missing": "was removed",
            "changed": "was changed after it was sealed",
            "out_of_order": "does not follow the entry before it (one was put in or taken out)",
            "unsealed": "was written past the chain (it has no seal)",
            "head_mismatch": "does not match the head recorded outside the database",
        }[self.problem]
        where = f"seal {self.seq}, " if self.seq is not None else ""
        return f"The audit chain is broken at {where}entry {self.entry_id}: it {what}."


def verify(expected_head: tuple[int, str] | None = None) -> Verdict:
    """Walk the whole chain; `expected_head` is a (seq, hash) kept outside the database (by
    default the head the last nightly check recorded)."""
    if expected_head is None:
        from .models import Head

        last = Head.objects.order_by("-seq").values_list("seq", "hash").first()
        expected_head = tuple(last) if last else None
    with connection.cursor() as cursor:
        cursor.execute(_FIRST_BROKEN)
        broken = cursor.fetchone()
        cursor.execute(_HEAD)
        head = cursor.fetchone() or (0, GENESIS)
        if broken:
            seq, entry_id, problem = broken
            return Verdict(False, head[0], head[1], problem, seq, entry_id)
        cursor.execute(_UNSEALED)
        unsealed = cursor.fetchone()
        if unsealed:
            return Verdict(False, head[0], head[1], "unsealed", None, unsealed[0])
        if expected_head is not None:
            seq, expected = expected_head
            cursor.execute("SELECT entry_id, hash FROM audit_seal WHERE seq = %s", [seq])
            found = cursor.fetchone()
            if found is None or found[1] != expected:
                return Verdict(
                    False, head[0], head[1], "head_mismatch", seq, found[0] if found else None
                )
    return Verdict(True, head[0], head[1])
