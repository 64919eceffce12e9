"""Periodic work of the scenes app."""

from __future__ import annotations

from celery import shared_task

from . import rollups


@shared_task(name="scenes.tasks.refresh_observation_rollup", ignore_result=True)
def refresh_observation_rollup() -> None:
    """Recompute the per-scene observation rollup from the observations (the trigger keeps
    it exact on every write; this repairs what bypassed it) and stamp when."""
    rollups.refresh_all()
