"""Recompute the daily observation rollup (scenes/rollups.py) of every scene and past day:
after a bulk load with triggers off, a restore, or a change of ODS_HOTSPOT_CELL_M."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from scenes import rollups


class Command(BaseCommand):
    help = "Recompute the daily observation rollup from the observations."

    def handle(self, *args, **options):
        rollups.rebuild_days()
        state = rollups.day_state()
        self.stdout.write(f"Daily rollup rebuilt through {state.through if state else None}.")
