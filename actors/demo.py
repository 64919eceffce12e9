"""Demo personas: fictional people in real reference organisations.

Only `manage.py load_demo` calls this, and it refuses to run unless ODS_DEMO_DATA is on,
which it never is in production settings.
"""

from django.conf import settings
from django.db import transaction

from .models import Membership, Organisation, Role, User
from .reference import municipality_slug

# username, first name, last name, organisation slug, role
PERSONAS = [
    (
        "lan.samordnare",
        "Lena",
        "Demo-Länsdotter",
        "lansstyrelsen-stockholm",
        Role.REGIONAL_COORDINATOR,
    ),
    ("sthlm.samordnare", "Sami", "Demo-Stadsson", municipality_slug("0180"), Role.COORDINATOR),
    ("sthlm.falt", "Fia", "Demo-Fältström", municipality_slug("0180"), Role.CASE_OFFICER),
    ("botkyrka.samordnare", "Bo", "Demo-Botvidsson", municipality_slug("0127"), Role.COORDINATOR),
    ("polis.city", "Pia", "Demo-Patrullsson", "lpo-city", Role.CASE_OFFICER),
    ("sl.trygghet", "Sol", "Demo-Spårman", "region-stockholm-tf", Role.CASE_OFFICER),
    ("kv.handlaggare", "Kim", "Demo-Vårdsson", "kriminalvarden", Role.CASE_OFFICER),
    ("stad.utvarderare", "Sara", "Demo-Utvärd", "stad", Role.EVALUATOR),
]
ADMIN_USERNAME = "admin"


class MissingReferenceData(Exception):
    pass


def persona_logins() -> list[tuple[str, str]]:
    """(username, what they are) for printing and the README."""
    orgs = dict(Organisation.objects.values_list("slug", "name"))
    rows = [(u, f"{orgs.get(o, o)}, {Role(r).label}") for u, _f, _l, o, r in PERSONAS]
    rows.append((ADMIN_USERNAME, "staff administrator"))
    return rows


def _user(username, first_name, last_name, **flags) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@demo.invalid",
            **flags,
        },
    )
    if created:
        # The password is set once; a second run leaves every account as it is.
        user.set_password(settings.ODS_DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def load_personas() -> int:
    """Create the demo personas and their memberships. Returns how many users were new."""
    new = 0
    orgs = {o.slug: o for o in Organisation.objects.all()}
    missing = sorted({p[3] for p in PERSONAS} - set(orgs))
    if missing:
        raise MissingReferenceData(
            "The reference organisations are missing (run `manage.py load_reference_data` "
            f"first): {', '.join(missing)}"
        )
    for username, first, last, org_slug, role in PERSONAS:
        user, created = _user(username, first, last)
        new += created
        Membership.objects.get_or_create(
            user=user, organisation=orgs[org_slug], defaults={"role": role}
        )
    _admin, created = _user(ADMIN_USERNAME, "Ada", "Demo-Admin", is_staff=True, is_superuser=True)
    return new + created
