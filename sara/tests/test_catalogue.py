"""The method catalogue as plain data: techniques, groups and methods. No database needed."""

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from sara import catalogue

TECHNIQUE_CODES = {code for code, _group, _name in catalogue.TECHNIQUES}
GROUP_CODES = [code for code, _name in catalogue.TECHNIQUE_GROUPS]
METHOD_KEYS = {
    "slug",
    "name",
    "kind",
    "description",
    "lead_kinds",
    "techniques",
    "source_checked",
    "source",
}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
SENTENCE_END_RE = re.compile(r"[.!?](?:\s|$)")


def _find(name: str) -> dict | None:
    wanted = name.casefold()
    for method in catalogue.METHODS:
        if wanted in (method["name"].casefold(), method["slug"].casefold()):
            return method
    return None


def test_module_is_pure_data():
    """A data migration imports the module, so it must not import Django or models."""
    tree = ast.parse(Path(catalogue.__file__).read_text(encoding="utf-8"))
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert imports == []
    assert ast.get_docstring(tree)


def test_five_groups_with_swedish_names():
    assert GROUP_CODES == ["effort", "risk", "reward", "provocation", "excuse"]
    assert dict(catalogue.TECHNIQUE_GROUPS)["effort"] == "Öka ansträngningen"
    assert all(name for _code, name in catalogue.TECHNIQUE_GROUPS)


def test_twenty_five_techniques_five_per_group():
    assert len(catalogue.TECHNIQUES) == 25
    per_group = Counter(group for _code, group, _name in catalogue.TECHNIQUES)
    assert per_group == dict.fromkeys(GROUP_CODES, 5)


def test_technique_codes_unique_short_ascii():
    codes = [code for code, _group, _name in catalogue.TECHNIQUES]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert len(code) <= 30
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
    names = [name for _code, _group, name in catalogue.TECHNIQUES]
    assert len(names) == len(set(names))
    assert all(names)


def test_techniques_in_standard_order():
    codes = [code for code, _group, _name in catalogue.TECHNIQUES]
    assert codes[0] == "target_hardening"
    assert codes[5] == "extend_guardianship"
    assert codes[13] == "disrupt_markets"
    assert codes[-1] == "control_drugs_alcohol"
    groups = [group for _code, group, _name in catalogue.TECHNIQUES]
    assert groups == [g for g in GROUP_CODES for _ in range(5)]


def test_technique_group():
    assert catalogue.technique_group("target_hardening") == "effort"
    assert catalogue.technique_group("disrupt_markets") == "reward"
    assert catalogue.technique_group("control_drugs_alcohol") == "excuse"
    with pytest.raises(KeyError):
        catalogue.technique_group("no_such_technique")


def test_lead_kinds():
    assert catalogue.LEAD_KINDS == (
        "kommun",
        "polis",
        "region_hsf",
        "region_tf",
        "kriminalvarden",
        "tullverket",
        "lansstyrelsen",
        "stad",
        "ssr",
        "civil",
        "other",
    )


@pytest.mark.parametrize("method", catalogue.METHODS, ids=lambda m: m["slug"])
def test_method_is_well_formed(method):
    assert set(method) == METHOD_KEYS
    assert SLUG_RE.fullmatch(method["slug"]) and len(method["slug"]) <= 60
    assert method["name"].strip() == method["name"] and 0 < len(method["name"]) <= 200
    assert method["kind"] in ("situational", "social")
    assert method["lead_kinds"], "a method needs at least one usual lead"
    assert set(method["lead_kinds"]) <= set(catalogue.LEAD_KINDS)
    assert len(method["lead_kinds"]) == len(set(method["lead_kinds"]))
    assert set(method["techniques"]) <= TECHNIQUE_CODES
    assert len(method["techniques"]) == len(set(method["techniques"]))
    assert isinstance(method["source_checked"], bool)
    assert isinstance(method["source"], str) and len(method["source"]) <= 300
    assert bool(method["source"].strip()) == method["source_checked"]


@pytest.mark.parametrize("method", catalogue.METHODS, ids=lambda m: m["slug"])
def test_method_description(method):
    description = method["description"]
    assert description == description.strip()
    assert len(description) <= 600
    assert len(SENTENCE_END_RE.findall(description)) >= 2
    assert description.endswith((".", "!", "?"))


def test_slugs_and_names_unique():
    slugs = [m["slug"] for m in catalogue.METHODS]
    names = [m["name"].casefold() for m in catalogue.METHODS]
    assert len(slugs) == len(set(slugs))
    assert len(names) == len(set(names))


def test_catalogue_size():
    assert 30 <= len(catalogue.METHODS) <= 45


SITUATIONAL_IN_DOMAIN = [
    pytest.param("Brottsförebyggande arkitektur och stadsplanering", id="architecture"),
    pytest.param("Öka närvaron på platsen", id="increase-presence"),
    pytest.param("15-minutersmetoden", id="15-minutersmetoden"),
    pytest.param("Strategiskt individfokus", id="strategiskt-individfokus"),
    pytest.param("Kontroll av personer i trafiken", id="checks-in-traffic"),
    pytest.param("Sök med narkotikahundar", id="drug-dogs"),
    pytest.param("Samverkan mot alkohol och droger i trafiken", id="smadit"),
    pytest.param("Trygga trappan", id="trygga-trappan"),
    pytest.param("Trygghetsbesiktning", id="trygghetsbesiktning"),
    pytest.param("Krogar mot knark", id="krogar-mot-knark"),
    pytest.param("Informera allmänheten och näringslivet", id="inform-public"),
    pytest.param("Tips från allmänheten och näringslivet", id="tips-from-public"),
    pytest.param("Personal som hanterar brev och paket får bryta sekretessen", id="postal"),
    pytest.param("Platsaktivering", id="platsaktivering"),
    pytest.param("Kontrollerad förflyttning", id="kontrollerad-forflyttning"),
    pytest.param("Kamerabevakning", id="camera"),
    pytest.param("Blandade funktioner på platsen", id="mix-of-functions"),
    pytest.param("Belysning", id="lighting"),
    pytest.param("Klottersanering och skötsel", id="graffiti-removal"),
    pytest.param("Nattvandring", id="night-walkers"),
    pytest.param("Fältassistenter och uppsökande socialt arbete", id="field-assistants"),
    pytest.param("Ordningsvakter", id="security-guards"),
    pytest.param("Polisiär närvaro och riktade insatser", id="police-presence"),
]

SOCIAL_IN_DOMAIN = [
    pytest.param("Tidiga insatser för barn och unga i riskzon", id="early-interventions"),
    pytest.param("Råd till föräldrar", id="advice-to-parents"),
    pytest.param("Föräldraskapsstöd", id="parenting-support"),
    pytest.param("Orossamtal", id="orossamtal"),
    pytest.param("Anmälningsmöten efter orosanmälan", id="anmalningsmoten"),
    pytest.param("MUMIN", id="mumin"),
    pytest.param("SIG", id="sig"),
    pytest.param("SSPF", id="sspf"),
    pytest.param("Fokuslistor", id="fokuslistor"),
    pytest.param("Avhopparverksamhet", id="avhopparverksamhet"),
    pytest.param("Kriminalvårdens åtaganden", id="kriminalvarden"),
    pytest.param("Stöd till den som vill lämna kriminalitet", id="leave-crime"),
    pytest.param("Minskat återfall efter avtjänat straff", id="less-reoffending"),
]


@pytest.mark.parametrize("name", SITUATIONAL_IN_DOMAIN)
def test_situational_method_from_domain_present(name):
    method = _find(name)
    assert method is not None, f"{name} is missing from the catalogue"
    assert method["kind"] == "situational"


@pytest.mark.parametrize("name", SOCIAL_IN_DOMAIN)
def test_social_method_from_domain_present(name):
    method = _find(name)
    assert method is not None, f"{name} is missing from the catalogue"
    assert method["kind"] == "social"


@pytest.mark.parametrize(
    ("name", "lead"),
    [
        ("MUMIN", "polis"),
        ("Trygga trappan", "other"),
        ("Åtgärder i stations- och hållplatsmiljö", "region_tf"),
        ("Kriminalvårdens åtaganden", "kriminalvarden"),
        ("Nattvandring", "civil"),
    ],
)
def test_usual_leads(name, lead):
    assert lead in _find(name)["lead_kinds"]


def test_both_kinds_present():
    kinds = Counter(m["kind"] for m in catalogue.METHODS)
    assert kinds["situational"] > 0
    assert kinds["social"] > 0


def test_situational_methods_cover_every_technique_group():
    groups = {
        catalogue.technique_group(code)
        for method in catalogue.METHODS
        if method["kind"] == "situational"
        for code in method["techniques"]
    }
    assert groups == set(GROUP_CODES)


def test_some_methods_checked_against_the_brochure():
    checked = [m for m in catalogue.METHODS if m["source_checked"]]
    assert checked
    assert all("Metodstöd" in m["source"] for m in checked)
