import pytest

from scenes.demo import load_scenes
from scenes.models import Scene


@pytest.fixture
def demo_scenes(personas) -> dict[str, Scene]:
    """The eight demo scenes with their teams, a few observations each, by short name."""
    load_scenes(per_scene=12)
    return {s.name.removesuffix(" (demo)"): s for s in Scene.objects.all()}


@pytest.fixture
def sergels(demo_scenes):
    return demo_scenes["Sergels torg"]


@pytest.fixture
def fittja(demo_scenes):
    return demo_scenes["Fittja centrum"]
