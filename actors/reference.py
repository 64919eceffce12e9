"""The reference organisations of the regional work in Stockholm County.

Loaded by `manage.py load_reference_data`, keyed on a stable slug so that running it again
changes nothing that is already right.
"""

from django.db import transaction

from .models import Organisation

K = Organisation.Kind

# Statistics Sweden's municipality codes for the 26 municipalities of Stockholm County.
MUNICIPALITIES = [
    ("0114", "Upplands Väsby kommun"),
    ("0115", "Vallentuna kommun"),
    ("0117", "Österåkers kommun"),
    ("0120", "Värmdö kommun"),
    ("0123", "Järfälla kommun"),
    ("0125", "Ekerö kommun"),
    ("0126", "Huddinge kommun"),
    ("0127", "Botkyrka kommun"),
    ("0128", "Salems kommun"),
    ("0136", "Haninge kommun"),
    ("0138", "Tyresö kommun"),
    ("0139", "Upplands-Bro kommun"),
    ("0140", "Nykvarns kommun"),
    ("0160", "Täby kommun"),
    ("0162", "Danderyds kommun"),
    ("0163", "Sollentuna kommun"),
    ("0180", "Stockholms stad"),
    ("0181", "Södertälje kommun"),
    ("0182", "Nacka kommun"),
    ("0183", "Sundbybergs stad"),
    ("0184", "Solna stad"),
    ("0186", "Lidingö stad"),
    ("0187", "Vaxholms stad"),
    ("0188", "Norrtälje kommun"),
    ("0191", "Sigtuna kommun"),
    ("0192", "Nynäshamns kommun"),
]

# (slug, name, kind, parent slug). Parents come before their children.
AGENCIES = [
    ("polismyndigheten", "Polismyndigheten", K.POLIS, None),
    ("polisregion-stockholm", "Polisregion Stockholm", K.POLIS, "polismyndigheten"),
    ("po-stockholm-city", "Polisområde Stockholm City", K.POLIS, "polisregion-stockholm"),
    ("po-stockholm-syd", "Polisområde Stockholm Syd", K.POLIS, "polisregion-stockholm"),
    ("po-stockholm-nord", "Polisområde Stockholm Nord", K.POLIS, "polisregion-stockholm"),
    ("lpo-city", "Lokalpolisområde City", K.POLIS, "po-stockholm-city"),
    ("lpo-norrmalm", "Lokalpolisområde Norrmalm", K.POLIS, "po-stockholm-city"),
    ("lpo-sodermalm", "Lokalpolisområde Södermalm", K.POLIS, "po-stockholm-city"),
    ("lpo-skarholmen", "Lokalpolisområde Skärholmen", K.POLIS, "po-stockholm-syd"),
    ("lpo-botkyrka", "Lokalpolisområde Botkyrka", K.POLIS, "po-stockholm-syd"),
    ("lpo-huddinge", "Lokalpolisområde Huddinge", K.POLIS, "po-stockholm-syd"),
    ("lpo-sodertalje", "Lokalpolisområde Södertälje", K.POLIS, "po-stockholm-syd"),
    ("lpo-nacka", "Lokalpolisområde Nacka", K.POLIS, "po-stockholm-syd"),
    ("lpo-jarva", "Lokalpolisområde Järva", K.POLIS, "po-stockholm-nord"),
    ("lpo-solna", "Lokalpolisområde Solna", K.POLIS, "po-stockholm-nord"),
    ("lpo-jarfalla", "Lokalpolisområde Järfälla", K.POLIS, "po-stockholm-nord"),
    (
        "region-stockholm-hsf",
        "Region Stockholm, Hälso- och sjukvårdsförvaltningen",
        K.REGION_HSF,
        None,
    ),
    ("region-stockholm-tf", "Region Stockholm, Trafikförvaltningen", K.REGION_TF, None),
    ("kriminalvarden", "Kriminalvården", K.KRIMINALVARDEN, None),
    ("tullverket", "Tullverket", K.TULLVERKET, None),
    ("lansstyrelsen-stockholm", "Länsstyrelsen Stockholm", K.LANSSTYRELSEN, None),
    ("stad", "STAD – Stockholm förebygger alkohol- och drogproblem", K.STAD, None),
    ("ssr-kansli", "SSR-kansliet (Samverkan Stockholmsregionen)", K.SSR, None),
]


def municipality_slug(code: str) -> str:
    return f"kommun-{code}"


def load_organisations() -> tuple[int, int]:
    """Create or correct the reference organisations. Returns (created, updated)."""
    created = updated = 0
    rows = [(municipality_slug(c), n, K.KOMMUN, None, c) for c, n in MUNICIPALITIES]
    rows += [(s, n, k, p, "") for s, n, k, p in AGENCIES]
    with transaction.atomic():
        by_slug = {o.slug: o for o in Organisation.objects.filter(slug__in=[r[0] for r in rows])}
        for slug, name, kind, parent_slug, code in rows:
            wanted = {
                "name": name,
                "kind": kind,
                "municipality_code": code,
                "parent_id": by_slug[parent_slug].pk if parent_slug else None,
            }
            org = by_slug.get(slug)
            if org is None:
                org = Organisation(slug=slug, **wanted)
                org.full_clean()
                org.save()
                by_slug[slug] = org
                created += 1
            elif any(getattr(org, f) != v for f, v in wanted.items()):
                for f, v in wanted.items():
                    setattr(org, f, v)
                org.full_clean()
                org.save()
                updated += 1
    return created, updated
