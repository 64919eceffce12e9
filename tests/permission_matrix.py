"""The permission matrix: every URL of the platform, tried by every kind of user on every kind
of object, with the answer each must get. Machine-readable; tests/test_permission_matrix.py
runs it, and fails if a URL pattern or API route is missing from it or from `PUBLIC`.

Who (the columns), at Sergels torg (demo), whose team is Stockholms stad (lead), LPO City,
Trafikförvaltningen and Kriminalvården:

    anonymous         not signed in
    regional          lan.samordnare: regional coordinator (Länsstyrelsen, not on the team)
    evaluator         stad.utvarderare: STAD's evaluator (county-wide, reads only)
    lead_coordinator  sthlm.samordnare: coordinator of the lead organisation
    lead_officer      sthlm.falt: case officer of the lead organisation
    team_officer      polis.city: case officer of another team organisation
    outsider          botkyrka.samordnare: coordinator of an organisation not on the team

What (the scopes of the objects, built by `world()`):

    scene        Sergels torg, a team scene          kept      a note kept to Stockholms stad
    observation  an observation anyone on it sees    shared    a kept note shared with LPO City
    case         Stockholm's case at Sergels         action    LPO City's action in that case
    ...

An expected answer is a status code, `LOGIN` (redirected to log in), or `OK` (the request
was taken: any answer but 401/403/404/405 or a redirect to log in; a form sent empty may
answer 200 with its errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

LOGIN = "login"
OK = "ok"

PERSONAS = {
    "anonymous": None,
    "regional": "lan.samordnare",
    "evaluator": "stad.utvarderare",
    "lead_coordinator": "sthlm.samordnare",
    "lead_officer": "sthlm.falt",
    "team_officer": "polis.city",
    "outsider": "botkyrka.samordnare",
}
WHO = list(PERSONAS)


def answers(default, anonymous=LOGIN, **others) -> dict[str, object]:
    """An expectation per persona: `default` unless named."""
    unknown = set(others) - set(PERSONAS)
    assert not unknown, unknown
    return {who: others.get(who, anonymous if who == "anonymous" else default) for who in WHO}


# The recurring patterns of the rules, named.
SEES_SCENE = answers(200, outsider=404)
EDITS_SCENE = answers(
    403, regional=200, lead_coordinator=200, outsider=404
)  # coordinators of a team organisation; here only the lead's is one
MANAGES_TEAM = answers(403, regional=OK, lead_coordinator=OK, outsider=404)
WRITES_SCENE = {k: (OK if v == 200 else v) for k, v in EDITS_SCENE.items()}
LOGS_THERE = answers(OK, evaluator=403, outsider=404)
KEPT = answers(404, lead_coordinator=200, lead_officer=200)
SHARED = answers(404, lead_coordinator=200, lead_officer=200, team_officer=200)
SHARES_KEPT = answers(404, lead_coordinator=200, lead_officer=403)
MANAGES_CASE = answers(403, regional=200, lead_coordinator=200, outsider=404)
WRITES_CASE = {k: (OK if v == 200 else v) for k, v in MANAGES_CASE.items()}
UPDATES_ACTION = answers(403, regional=OK, lead_coordinator=OK, team_officer=OK, outsider=404)
ANYONE = answers(200)
REVIEWS_LOG = answers(403, regional=200, lead_coordinator=200, outsider=200)
REGIONAL_ONLY = answers(403, regional=200)
MUNICIPAL_COORDINATORS = answers(403, regional=200, lead_coordinator=200, outsider=200)
FOLLOWS_UP = answers(403, regional=200, evaluator=200, lead_coordinator=200, outsider=200)
API = {"anonymous": 401}
# An uploaded import file and its preview: the uploader's alone (the lead coordinator's here).
OWN_UPLOAD = answers(404, lead_coordinator=200)
# An XLSX export built by a worker, its progress and its file: the asker's alone.
OWN_EXPORT = answers(404, lead_coordinator=200)


@dataclass(frozen=True)
class Row:
    name: str  # the URL's name
    obj: str | None  # the object it is tried on (a key of world()), or None
    expect: dict[str, object]
    method: str = "get"
    arg: str = "pk"  # how the object's id is passed
    extra: dict = field(default_factory=dict)  # more URL arguments, by name -> world key
    query: str = ""
    data: dict = field(default_factory=dict)


# fmt: off
ROWS = [
    # --- Start, actors ------------------------------------------------------------------
    Row("home", None, ANYONE),
    Row("export_job", "export", OWN_EXPORT),
    Row("export_progress", "export", OWN_EXPORT),
    Row("export_download", "export", OWN_EXPORT),
    Row("actors:organisation_list", None, ANYONE),
    Row("actors:organisation_detail", "police", ANYONE),
    # --- Scenes -------------------------------------------------------------------------
    Row("scenes:scene_list", None, ANYONE),
    Row("scenes:scene_map_data", None, ANYONE),
    Row(
        "scenes:scene_create",
        None,
        answers(403, regional=200, lead_coordinator=200, outsider=200),
    ),
    Row("scenes:scene_detail", "scene", SEES_SCENE),
    Row("scenes:scene_edit", "scene", EDITS_SCENE),
    Row("scenes:scene_archive", "scene", EDITS_SCENE),
    Row("scenes:scene_archive", "scene", WRITES_SCENE, method="post"),
    Row("scenes:scene_restore", "scene", WRITES_SCENE, method="post"),  # not archived: a message
    Row("scenes:scene_delete", "scene", answers(403, regional=200, outsider=404)),
    # Sergels torg has a SARA case: the removal is refused (409) and nothing changes.
    Row(
        "scenes:scene_delete",
        "scene",
        answers(403, regional=409, outsider=404),
        method="post",
        data={"confirm": "Sergels torg (demo)"},
    ),
    Row("scenes:scene_observation_map", "scene", SEES_SCENE),
    Row("scenes:team_add", "scene", {**MANAGES_TEAM, "regional": 200, "lead_coordinator": 200}),
    Row(
        "scenes:team_remove",
        "scene",
        MANAGES_TEAM,
        method="post",
        extra={"org_pk": "probation"},
    ),
    Row("scenes:team_lead", "scene", MANAGES_TEAM, method="post", extra={"org_pk": "transit"}),
    Row("scenes:assessment_create", "scene", EDITS_SCENE),
    Row("scenes:place_create", "scene", EDITS_SCENE),
    Row("scenes:place_detail", "place", SEES_SCENE),
    Row("scenes:place_edit", "place", EDITS_SCENE),
    Row("scenes:landmark_create", "scene", EDITS_SCENE),
    Row("scenes:landmark_edit", "landmark", EDITS_SCENE),
    Row("scenes:landmark_delete", "landmark", WRITES_SCENE, method="post"),
    Row("scenes:observation_list", "scene", SEES_SCENE),
    Row(
        "scenes:observation_import",
        "scene",
        answers(
            403,
            regional=200,
            lead_coordinator=200,
            lead_officer=200,
            team_officer=200,
            outsider=404,
        ),
    ),
    Row("scenes:observation_import_job", "scene", OWN_UPLOAD,
        extra={"job": "observation_import"}),
    Row("scenes:observation_import_job", "scene", {**OWN_UPLOAD, "lead_coordinator": OK},
        method="post", extra={"job": "observation_import"}),
    Row("scenes:observation_import_progress", "scene", OWN_UPLOAD,
        extra={"job": "observation_import"}),
    Row("scenes:indicator_create", "scene", EDITS_SCENE),
    Row("scenes:indicator_detail", "indicator", SEES_SCENE),
    Row("scenes:indicator_list", None, ANYONE),
    Row("scenes:indicator_import", None, MUNICIPAL_COORDINATORS),
    Row("scenes:indicator_import_job", "indicator_import", OWN_UPLOAD, arg="job"),
    Row("scenes:indicator_import_job", "indicator_import", {**OWN_UPLOAD, "lead_coordinator": OK},
        method="post", arg="job"),
    Row("scenes:indicator_import_progress", "indicator_import", OWN_UPLOAD, arg="job"),
    Row("scenes:municipality_indicator_create", None, MUNICIPAL_COORDINATORS),
    Row(
        "scenes:observation_create",
        None,
        answers(200, evaluator=403),
    ),  # Botkyrka's coordinator logs at Fittja centrum
    Row("scenes:observation_outbox", None, ANYONE),  # the browser's own outbox, drawn by JS
    Row("scenes:outbox_session", None, answers(200, anonymous=200)),
    Row("scenes:service_worker", None, answers(200, anonymous=200)),
    Row("scenes:manifest", None, answers(200, anonymous=200)),
    Row("scenes:observation_detail", "observation", SEES_SCENE),
    Row("scenes:observation_detail", "kept", KEPT),
    Row("scenes:observation_detail", "shared", SHARED),
    Row("scenes:share_create", "kept", SHARES_KEPT, extra={"kind": "kind_observation"}),
    # Marking as a duplicate (sent empty: "not a duplicate"): the organisation that logged
    # it (Stockholms stad) and the scene's coordinators.
    Row(
        "scenes:observation_duplicate",
        "stockholm_observation",
        answers(403, regional=OK, lead_coordinator=OK, lead_officer=OK, outsider=404),
        method="post",
    ),
    Row(
        "scenes:observation_duplicate",
        "kept",
        answers(404, lead_coordinator=OK, lead_officer=OK),
        method="post",
    ),
    Row("scenes:duplicate_dismiss", "scene", WRITES_SCENE, method="post"),
    Row(
        "scenes:share_end",
        "share",
        answers(404, lead_coordinator=OK, lead_officer=403, team_officer=404),
        method="post",
    ),
    # --- SARA ---------------------------------------------------------------------------
    Row("sara:case_create", "scene", MANAGES_CASE, arg="scene_pk"),
    Row("sara:case_detail", "case", SEES_SCENE),
    Row("sara:case_detail", "case", SEES_SCENE, query="format=csv"),
    Row("sara:case_effect", "case", SEES_SCENE),
    Row("sara:scene_effect", None, SEES_SCENE, extra={"scene_pk": "scene"}),
    Row("sara:case_edit", "case", MANAGES_CASE),
    Row("sara:case_phase", "case", WRITES_CASE, method="post"),
    Row("sara:analysis_add", "case", MANAGES_CASE),
    Row("sara:action_add", "case", MANAGES_CASE),
    Row("sara:assessment_add", "case", MANAGES_CASE),
    Row("sara:analysis_add", "case", WRITES_CASE, method="post"),
    Row("sara:action_add", "case", WRITES_CASE, method="post"),
    Row("sara:assessment_add", "case", WRITES_CASE, method="post"),
    Row("sara:case_link", "case", WRITES_CASE, method="post"),
    Row("sara:action_detail", "action", SEES_SCENE),
    Row("sara:action_detail", "action", UPDATES_ACTION, method="post"),
    Row("sara:action_edit", "action", MANAGES_CASE),
    Row("sara:my_actions", None, ANYONE),
    # The XLSX is built by a worker: the answer is a redirect to the new export job.
    Row("sara:my_actions", None, answers(OK), query="format=xlsx"),
    Row("sara:method_list", None, ANYONE),
    # --- Follow-up (county-wide roles; a municipality's coordinators their own scenes) -----
    Row("followup:scenes", None, FOLLOWS_UP),
    Row("followup:section", None, FOLLOWS_UP, extra={"name": "followup_section"}),
    Row("sara:method_create", None, REGIONAL_ONLY),
    Row("sara:method_detail", "method", ANYONE),
    Row("sara:method_edit", "method", REGIONAL_ONLY),
    # --- Reports ------------------------------------------------------------------------
    Row("situation_reports:report_list", None, ANYONE),
    Row("situation_reports:report_detail", "report", SEES_SCENE),
    Row("situation_reports:report_progress", "report", SEES_SCENE),
    Row("situation_reports:report_download", "report", SEES_SCENE),
    Row("situation_reports:report_again", "report", answers(OK, outsider=404), method="post"),
    Row("situation_reports:report_table", "report", answers(404)),  # a lägesbild has no table
    Row(
        "situation_reports:subscription_add", "scene", WRITES_SCENE, method="post", arg="scene_pk"
    ),
    Row("situation_reports:subscription_remove", "subscription", WRITES_SCENE, method="post"),
    # --- Log review ---------------------------------------------------------------------
    Row("audit:review", None, REVIEWS_LOG),
    Row(
        "audit:object_reads", None, REVIEWS_LOG, query="object_type=scenes.scene&object_id={scene}"
    ),
    Row("audit:user_reads", None, REVIEWS_LOG, query="username=polis.city"),
    Row("audit:sample", None, REVIEWS_LOG),
    Row(
        "audit:mark_reviewed",
        None,
        {**REVIEWS_LOG, "regional": OK, "lead_coordinator": OK, "outsider": OK},
        method="post",
    ),
    Row("audit:unusual", None, REVIEWS_LOG),
    # --- API ----------------------------------------------------------------------------
    Row("api:scene-list", None, answers(200, **API)),
    Row("api:scene-detail", "scene", {**SEES_SCENE, **API}),
    Row("api:scene-place-list", "scene", {**SEES_SCENE, **API}, arg="scene_pk"),
    Row("api:scene-analysis", "scene", {**SEES_SCENE, **API}),
    Row("api:place-analysis", "place", {**SEES_SCENE, **API}),
    Row("api:observation-list", None, answers(200, **API)),
    Row(
        "api:observation-list",
        None,
        answers(400, evaluator=403, outsider=400, **API),
        method="post",
    ),
    Row("api:observation-detail", "observation", {**SEES_SCENE, **API}),
    Row("api:observation-detail", "kept", {**KEPT, **API}),
    Row("api:observation-detail", "shared", {**SHARED, **API}),
    Row(
        "api:observation-duplicate",
        "stockholm_observation",
        {**answers(403, regional=200, lead_coordinator=200, lead_officer=200, outsider=404), **API},
        method="post",
        data={"duplicate_of": None},
    ),
    Row("sara-api:case-list", None, answers(200, **API)),
    Row("sara-api:case-detail", "case", {**SEES_SCENE, **API}),
    Row("sara-api:action-list", None, answers(200, **API)),
    Row("sara-api:action-detail", "action", {**SEES_SCENE, **API}),
    Row(
        "sara-api:action-detail",
        "action",
        {**answers(403, regional=200, lead_coordinator=200, team_officer=200, outsider=404), **API},
        method="patch",
        data={"status": "pagaende", "text": "Matrisprov: arbetet har börjat."},
    ),
    Row(
        "sara-api:action-updates",
        "action",
        {**answers(403, regional=201, lead_coordinator=201, team_officer=201, outsider=404), **API},
        method="post",
        data={"text": "Matrisprov: en uppdatering."},
    ),
    Row("reports-api:report-list", None, answers(200, **API)),
    Row("reports-api:report-detail", "report", {**SEES_SCENE, **API}),
    Row("api:api-root", None, answers(200, **API)),
    Row("schema", None, answers(200, **API)),
]
# fmt: on

# URLs open to everyone by design, with why.
PUBLIC = {
    "healthz": "the load balancer's check: up or down, nothing more",
    "set_language": "the language switch",
    "scenes:basemap": "the offline basemap tiles: a public map, no platform data",
    "scenes:service_worker": "the offline worker's code: no data",
    "scenes:manifest": "the web app manifest: a name and icons",
    "scenes:outbox_session": "whether the browser is signed in, and as which user id (null if not)",
}
# URL names that belong to the libraries the platform uses (log-in, MFA, single sign-on through
# an organisation's OpenID Connect or SAML provider, admin), whose own rules apply; they are not
# the platform's data. (Single sign-on's own rules: actors/tests/test_sign_on.py and
# tests/test_browser_sso.py.)
LIBRARY_PREFIXES = (
    "account_",
    "mfa_",
    "admin:",
    "socialaccount_",
    "openid_connect_",
    "saml_",
    "headless",
    "djdt",
)


def url_of(row, world) -> str:
    kwargs = {}
    if row.obj is not None:
        kwargs[row.arg] = world[row.obj].pk
    for name, key in row.extra.items():
        value = world[key]
        kwargs[name] = value if isinstance(value, str) else value.pk
    url = reverse(row.name, kwargs=kwargs)
    if not row.query:
        return url
    # "{scene}" in a query names an object of the world by its key.
    ids = {key: getattr(value, "pk", value) for key, value in world.items()}
    return f"{url}?{row.query.format(**ids)}"
