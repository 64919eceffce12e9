import pytest
from django.core.management import CommandError, call_command

from actors.models import Membership, User

pytestmark = pytest.mark.django_db

EXPECTED = {
    "lan.samordnare": ("Länsstyrelsen Stockholm", "regional_coordinator"),
    "sthlm.samordnare": ("Stockholms stad", "coordinator"),
    "sthlm.falt": ("Stockholms stad", "case_officer"),
    "botkyrka.samordnare": ("Botkyrka kommun", "coordinator"),
    "polis.city": ("Lokalpolisområde City", "case_officer"),
    "sl.trygghet": ("Region Stockholm, Trafikförvaltningen", "case_officer"),
    "kv.handlaggare": ("Kriminalvården", "case_officer"),
    "stad.utvarderare": ("STAD – Stockholm förebygger alkohol- och drogproblem", "evaluator"),
}


@pytest.fixture
def demo_on(settings):
    settings.ODS_DEMO_DATA = True
    call_command("load_reference_data")


def test_demo_personas_with_their_organisations_roles_and_groups(demo_on, demo_password):
    call_command("load_demo")
    for username, (org_name, role) in EXPECTED.items():
        user = User.objects.get(username=username)
        membership = Membership.objects.get(user=user)
        assert (membership.organisation.name, membership.role) == (org_name, role)
        assert user.groups.filter(pk=membership.organisation.group_id).exists()
        assert user.check_password(demo_password)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_demo_password_can_be_set_by_environment(demo_on, settings):
    settings.ODS_DEMO_PASSWORD = "ett-annat-demolosen"
    call_command("load_demo")
    assert User.objects.get(username="sthlm.falt").check_password("ett-annat-demolosen")


def test_loading_demo_twice_changes_no_data(demo_on, capsys):
    call_command("load_demo")
    users = list(User.objects.order_by("pk").values())
    memberships = list(Membership.objects.order_by("pk").values())
    call_command("load_demo")
    assert "0 new personas, 0 new scenes, 0 new SARA cases" in capsys.readouterr().out
    assert list(User.objects.order_by("pk").values()) == users
    assert list(Membership.objects.order_by("pk").values()) == memberships


def test_demo_data_is_refused_where_it_is_switched_off(settings):
    settings.ODS_DEMO_DATA = False
    call_command("load_reference_data")
    with pytest.raises(CommandError, match="never loaded in production"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_membership_keeps_the_user_in_the_organisation_group(reference_orgs):
    from actors.tests.factories import UserFactory

    user = UserFactory()
    stockholm, botkyrka = reference_orgs["kommun-0180"], reference_orgs["kommun-0127"]
    membership = Membership.objects.create(user=user, organisation=stockholm, role="viewer")
    assert list(user.groups.all()) == [stockholm.group]
    membership.organisation = botkyrka
    membership.save()
    assert list(user.groups.all()) == [botkyrka.group]
    membership.delete()
    assert not user.groups.exists()


def test_demo_without_reference_data_says_what_to_run(settings):
    settings.ODS_DEMO_DATA = True
    with pytest.raises(CommandError, match="load_reference_data"):
        call_command("load_demo")
    assert not User.objects.exists()
