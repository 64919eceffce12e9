"""Personas shared by every app's tests: the demo people, in the real reference organisations.

Fixtures are named by role. Every persona's password is `settings.ODS_DEMO_PASSWORD`.
"""

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from actors import demo
from actors.models import Organisation, User
from actors.reference import load_organisations
from actors.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from ods_platform.testing import CHROMIUM_LAUNCH
from scenes.demo import load_scenes
from scenes.models import Scene


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, **CHROMIUM_LAUNCH}


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the platform's language, whatever ran before it on this worker: a
    request in English leaves English active in the thread after it, and a later test that
    formats numbers without a request printed "1,248" for "1 248" (seen with `-n 2`)."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is not under test; a fast hasher keeps persona set-up cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference_orgs(db) -> dict[str, Organisation]:
    load_organisations()
    return {o.slug: o for o in Organisation.objects.all()}


@pytest.fixture
def personas(reference_orgs) -> dict[str, User]:
    demo.load_personas()
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def demo_password(settings) -> str:
    return settings.ODS_DEMO_PASSWORD


@pytest.fixture
def regional_coordinator(personas):
    return personas["lan.samordnare"]


@pytest.fixture
def stockholm_coordinator(personas):
    return personas["sthlm.samordnare"]


@pytest.fixture
def stockholm_field_worker(personas):
    return personas["sthlm.falt"]


@pytest.fixture
def botkyrka_coordinator(personas):
    return personas["botkyrka.samordnare"]


@pytest.fixture
def police_officer(personas):
    return personas["polis.city"]


@pytest.fixture
def transit_officer(personas):
    return personas["sl.trygghet"]


@pytest.fixture
def probation_officer(personas):
    return personas["kv.handlaggare"]


@pytest.fixture
def stad_evaluator(personas):
    return personas["stad.utvarderare"]


@pytest.fixture
def staff_admin(personas):
    return personas["admin"]


@pytest.fixture
def stockholm(reference_orgs):
    """Stockholms stad: leads the Sergels torg team."""
    return reference_orgs["kommun-0180"]


@pytest.fixture
def botkyrka(reference_orgs):
    """Botkyrka kommun: leads Fittja centrum's team."""
    return reference_orgs["kommun-0127"]


@pytest.fixture
def transit(reference_orgs):
    """Region Stockholm, Trafikförvaltningen (sl.trygghet's organisation)."""
    return reference_orgs["region-stockholm-tf"]


@pytest.fixture
def police(reference_orgs):
    """Lokalpolisområde City (polis.city's organisation)."""
    return reference_orgs["lpo-city"]


@pytest.fixture
def outsider(db):
    """A user of an organisation that works no scene and has no special role."""
    org = OrganisationFactory(slug="demo-forening", name="Demoföreningen", kind="civil")
    return MembershipFactory(
        user=UserFactory(username="outsider"), organisation=org, role="viewer"
    ).user


@pytest.fixture
def method_catalogue(db):
    """The seeded method catalogue; seeded again after a transactional test's flush."""
    from sara.catalogue import sync_methods
    from sara.models import Method

    sync_methods(Method)
    return Method.objects.all()


@pytest.fixture
def demo_scenes(personas) -> dict[str, Scene]:
    """The eight demo scenes with their teams, a few observations each, by short name."""
    load_scenes(per_scene=12)
    return {s.name.removesuffix(" (demo)"): s for s in Scene.objects.all()}


@pytest.fixture
def sergels(demo_scenes):
    """Stockholm's Sergels torg: team Stockholm (lead), LPO City, Trafikförvaltningen, KVV."""
    return demo_scenes["Sergels torg"]


@pytest.fixture
def fittja(demo_scenes):
    """Botkyrka's Fittja centrum: team Botkyrka (lead) and LPO City."""
    return demo_scenes["Fittja centrum"]
