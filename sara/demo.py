"""Fictional SARA work on the demo scenes: one case per scene, its analysis and its actions.

Every demo scene with a team gets a case owned by the lead organisation, moved through the
phases by the same services the pages use (some in Analysis, some in Response or
Assessment, one closed with an assessment), with analysis entries and actions owned by the
organisations on the team: some done, some ongoing, some overdue, some due within a week.
Dates are relative to the day the data is loaded, so the picture stays current. Names and
text are fictional and describe places and groups, never people. Idempotent: a scene that
already has a case is left as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from actors.models import Membership, Organisation, User
from actors.reference import municipality_slug
from scenes.models import Category, Place, Scene

from . import services
from .models import Action, ActionStatus, ActionUpdate, Case, Method, Phase

STOCKHOLM_TZ = ZoneInfo("Europe/Stockholm")
STOCKHOLM = municipality_slug("0180")
SALES_PER_MONTH = "Observationer av narkotikaförsäljning per månad"


@dataclass(frozen=True)
class Finding:
    area: str
    finding: str
    place: str = ""  # a sub-place of the scene, by name
    handler: str = ""
    handler_weak: bool = False
    guardian: str = ""
    guardian_weak: bool = False
    manager: str = ""
    manager_weak: bool = False


@dataclass(frozen=True)
class Plan:
    """An action: `start` and `due` are days from the loading day (negative: in the past)."""

    responsible: str  # organisation slug
    title: str
    method: str | None
    description: str
    start: int
    due: int
    status: str = ActionStatus.PLANNED
    unit: str = ""
    target: int | None = None
    achieved: int | None = None
    assignee: str = ""  # a demo persona's username, used if they work for `responsible`
    finding: int | None = None  # index into the case's findings
    update: str = ""


@dataclass(frozen=True)
class CaseSpec:
    scene: str
    phase: str
    opened: int  # days ago
    title: str
    problem: str
    indicator: str
    baseline: int
    target: int
    goal_in: int  # days from the loading day to the goal date
    findings: list[Finding]
    plans: list[Plan]
    assessment: dict = field(default_factory=dict)
    # The observations linked in Scanning as showing the problem are of this category.
    category: str = Category.SALE


CASES = [
    CaseSpec(
        scene="Sergels torg (demo)",
        phase=Phase.RESPONSE,
        opened=120,
        title="Narkotikaförsäljning vid Plattan och T-Centralens uppgång kvällstid",
        problem=(
            "Öppen försäljning och användning av narkotika vid Plattan och i uppgången mot "
            "Drottninggatan, främst fredagar och lördagar kl. 19–23. Resenärer och "
            "förbipasserande upplever otrygghet och undviker uppgången kvällstid."
        ),
        indicator=SALES_PER_MONTH,
        baseline=42,
        target=20,
        goal_in=180,
        findings=[
            Finding(
                "place",
                "Plattan ligger skymd från gatunivån och är dåligt upplyst efter kl. 18. "
                "Ingen platsansvarig finns på plats kvällstid.",
                place="Plattan",
                manager="Stockholms stad, trafikkontoret",
                manager_weak=True,
            ),
            Finding(
                "place",
                "Uppgången har trasig belysning och blinda vinklar; försäljningen sker i skydd "
                "av resenärsflödet.",
                place="T-Centralens uppgång Drottninggatan",
                guardian="Trygghetsvärdar i kollektivtrafiken",
                guardian_weak=True,
                manager="Region Stockholm, Trafikförvaltningen",
                manager_weak=True,
            ),
            Finding(
                "offenders",
                "En mindre grupp unga vuxna säljer återkommande; köparna kommer främst med "
                "tunnelbanan. Flera i gruppen har kontakt med socialtjänsten eller frivården.",
                handler="Socialtjänstens fältassistenter och frivården",
                handler_weak=True,
            ),
        ],
        plans=[
            Plan(
                "region-stockholm-tf",
                "Belysning i uppgången",
                "belysning",
                "Byt och förstärk belysningen vid trapporna och under taket i uppgången.",
                start=-70,
                due=-21,
                status=ActionStatus.DONE,
                unit="platser",
                target=3,
                achieved=3,
                assignee="sl.trygghet",
                finding=1,
                update="Ny belysning monterad på tre platser i uppgången.",
            ),
            Plan(
                "region-stockholm-tf",
                "Extra trygghetsvärdar på stationen",
                "trygghetsresurser-i-kollektivtrafiken",
                "Två extra trygghetsvärdar i uppgången fredagar och lördagar kl. 18–24.",
                start=-35,
                due=5,
                status=ActionStatus.ONGOING,
                unit="kvällspass",
                target=24,
                achieved=15,
                assignee="sl.trygghet",
                finding=1,
                update="Femton pass genomförda; lugnare i uppgången när värdarna är på plats.",
            ),
            Plan(
                "lpo-city",
                "Närvaropatrullering kvällstid",
                "polisiar-narvaro-och-riktade-insatser",
                "Synlig närvaro vid Plattan fredagar och lördagar kl. 19–23.",
                start=-50,
                due=-4,
                status=ActionStatus.ONGOING,
                unit="patrulltimmar",
                target=40,
                achieved=28,
                assignee="polis.city",
                finding=0,
                update="28 patrulltimmar hittills; två helger föll bort på grund av andra "
                "händelser.",
            ),
            Plan(
                STOCKHOLM,
                "Uppsökande arbete med fältassistenter",
                "faltassistenter-och-uppsokande-arbete",
                "Fältassistenterna söker upp unga i gruppen och erbjuder stöd och kontakt med "
                "socialtjänsten.",
                start=-40,
                due=30,
                status=ActionStatus.ONGOING,
                unit="samtal",
                target=12,
                achieved=7,
                assignee="sthlm.falt",
                finding=2,
                update="Sju samtal genomförda, två har tackat ja till fortsatt kontakt.",
            ),
            Plan(
                "kriminalvarden",
                "Samverkan med frivården om platsen",
                "kriminalvardens-ataganden",
                "Frivården tar upp platsen i planeringen för klienter med anknytning dit.",
                start=7,
                due=90,
                assignee="kv.handlaggare",
                finding=2,
            ),
        ],
    ),
    CaseSpec(
        scene="Medborgarplatsen (demo)",
        phase=Phase.ANALYSIS,
        opened=30,
        title="Användning och langning i parken vid Björns trädgård",
        category=Category.USE,
        problem=(
            "Narkotika används och langas i parken, mest eftermiddag och kväll. Sprutor "
            "hittas vid lekytan och boende beskriver att de undviker parken."
        ),
        indicator="Observationer av narkotikabruk per månad",
        baseline=18,
        target=8,
        goal_in=240,
        findings=[
            Finding(
                "place",
                "Täta buskage och trasig belysning ger skydd mot insyn i parkens södra del.",
                place="Parken vid Björns trädgård",
                manager="Stockholms stad, parkförvaltningen",
                manager_weak=True,
            ),
            Finding(
                "victims",
                "Barnfamiljer och äldre undviker parken kvällstid; flera synpunkter från "
                "boende om sprutor.",
                guardian="Boende och verksamheter runt torget",
                guardian_weak=True,
            ),
        ],
        plans=[
            Plan(
                STOCKHOLM,
                "Trygghetsbesiktning av parken",
                "trygghetsbesiktning",
                "Gemensam besiktning med boende, parkförvaltningen och polisen.",
                start=3,
                due=14,
                assignee="sthlm.falt",
                finding=0,
            ),
            Plan(
                "lpo-city",
                "Lägesbild över langningen i parken",
                None,
                "Sammanställ tider och platser för langning utifrån observationer och tips.",
                start=-14,
                due=6,
                status=ActionStatus.ONGOING,
                assignee="polis.city",
                finding=0,
                update="Observationer från två veckor sammanställda.",
            ),
        ],
    ),
    CaseSpec(
        scene="Fittja centrum (demo)",
        phase=Phase.RESPONSE,
        opened=100,
        title="Langning i bussterminalens väntsal",
        problem=(
            "Narkotika langas i bussterminalens väntsal och i trapphuset vid torget, "
            "särskilt vardagar efter skolslut. Yngre personer rekryteras till försäljningen."
        ),
        indicator=SALES_PER_MONTH,
        baseline=25,
        target=10,
        goal_in=200,
        findings=[
            Finding(
                "place",
                "Väntsalen är öppen dygnet runt utan personal efter kl. 17.",
                place="Bussterminalens väntsal",
                manager="Fastighetsägaren till centrumet",
                manager_weak=True,
            ),
            Finding(
                "offenders",
                "Gruppen som säljer har blivit yngre det senaste halvåret; några går i "
                "grundskolan.",
                handler="Socialtjänsten och skolan",
                handler_weak=True,
            ),
            Finding(
                "place",
                "Trapphuset är nedklottrat och används som gömställe.",
                place="Trapphuset vid torget",
                manager="Fastighetsägaren till centrumet",
            ),
        ],
        plans=[
            Plan(
                municipality_slug("0127"),
                "Klottersanering och skötsel i trapphuset",
                "klottersanering-och-skotsel",
                "Sanering inom ett dygn och tätare städning i trapphuset.",
                start=-80,
                due=-30,
                status=ActionStatus.DONE,
                assignee="botkyrka.samordnare",
                finding=2,
                update="Trapphuset sanerat; skötselavtal med fastighetsägaren klart.",
            ),
            Plan(
                municipality_slug("0127"),
                "Platsaktivering på torget",
                "platsaktivering",
                "Aktiviteter på torget vardagar efter skolslut tillsammans med föreningar.",
                start=-20,
                due=21,
                status=ActionStatus.ONGOING,
                unit="aktiviteter",
                target=8,
                achieved=3,
                finding=1,
                update="Tre aktiviteter genomförda.",
            ),
            Plan(
                "lpo-city",
                "Riktade insatser i väntsalen kvällstid",
                "polisiar-narvaro-och-riktade-insatser",
                "Riktade kontroller i väntsalen vardagar kl. 16–21.",
                start=-45,
                due=-6,
                status=ActionStatus.ONGOING,
                unit="insatser",
                target=10,
                achieved=6,
                assignee="polis.city",
                finding=0,
                update="Sex insatser genomförda.",
            ),
        ],
    ),
    CaseSpec(
        scene="Flemingsbergs station (demo)",
        phase=Phase.ANALYSIS,
        opened=21,
        title="Otrygghet och försäljning i gångtunneln",
        problem=(
            "Försäljning och otrygghetsskapande beteende i gångtunneln under stationen, "
            "kvällar och helger. Pendlare väljer andra vägar."
        ),
        indicator=SALES_PER_MONTH,
        baseline=12,
        target=5,
        goal_in=270,
        findings=[
            Finding(
                "place",
                "Lång tunnel utan insyn och utan kameror; belysningen är svag.",
                place="Gångtunneln",
                manager="Huddinge kommun, gatuavdelningen",
                manager_weak=True,
            ),
            Finding(
                "victims",
                "Pendlare, särskilt kvinnor, undviker tunneln efter mörkrets inbrott.",
                guardian="Stationsvärdar",
                guardian_weak=True,
            ),
        ],
        plans=[
            Plan(
                municipality_slug("0126"),
                "Trygghetsbesiktning av gångtunneln",
                "trygghetsbesiktning",
                "Besiktning kvällstid med fastighetsägare och polis.",
                start=-3,
                due=4,
                status=ActionStatus.ONGOING,
                finding=0,
                update="Datum bokat med fastighetsägaren.",
            ),
            Plan(
                "lpo-huddinge",
                "Lägesbild över försäljningen i tunneln",
                None,
                "Sammanställ tider, platser och mönster utifrån observationer.",
                start=0,
                due=20,
                finding=0,
            ),
        ],
    ),
    CaseSpec(
        scene="Ronna centrum (demo)",
        phase=Phase.ASSESSMENT,
        opened=240,
        title="Langning vid lekplatsen och garageinfarten",
        problem=(
            "Langning vid lekplatsen och i garageinfarten på eftermiddagar och kvällar. "
            "Barn och föräldrar möter försäljningen på väg till och från skolan."
        ),
        indicator=SALES_PER_MONTH,
        baseline=30,
        target=15,
        goal_in=60,
        findings=[
            Finding(
                "place",
                "Garageinfarten står öppen dygnet runt och används som gömställe.",
                place="Garageinfarten",
                manager="Bostadsbolaget",
                manager_weak=True,
            ),
            Finding(
                "place",
                "Lekplatsen saknar vuxennärvaro eftermiddagar.",
                place="Lekplatsen",
                guardian="Föräldrar och föreningar i området",
                guardian_weak=True,
            ),
            Finding(
                "offenders",
                "Ett fåtal unga säljer för äldre personer utanför området.",
                handler="Socialtjänsten genom SSPF",
            ),
        ],
        plans=[
            Plan(
                municipality_slug("0181"),
                "Passerkontroll vid garageinfarten",
                None,
                "Bostadsbolaget sätter in port med passerkontroll.",
                start=-200,
                due=-150,
                status=ActionStatus.DONE,
                finding=0,
                update="Porten är på plats.",
            ),
            Plan(
                municipality_slug("0181"),
                "Nattvandring helger",
                "nattvandring",
                "Föreningar nattvandrar fredagar och lördagar.",
                start=-190,
                due=-60,
                status=ActionStatus.DONE,
                unit="kvällar",
                target=16,
                achieved=16,
                finding=1,
                update="Sexton kvällar genomförda.",
            ),
            Plan(
                "lpo-sodertalje",
                "Riktade insatser mot langning",
                "polisiar-narvaro-och-riktade-insatser",
                "Riktade insatser eftermiddag och kväll.",
                start=-180,
                due=-40,
                status=ActionStatus.DONE,
                unit="patrulltimmar",
                target=60,
                achieved=52,
                finding=1,
                update="52 patrulltimmar.",
            ),
            Plan(
                municipality_slug("0181"),
                "SSPF-samverkan kring unga i området",
                "sspf",
                "Skola, socialtjänst, polis och fritid följer upp unga som rekryteras.",
                start=-120,
                due=-10,
                status=ActionStatus.ONGOING,
                finding=2,
                update="Fyra ärenden uppföljda i SSPF-gruppen.",
            ),
        ],
    ),
    CaseSpec(
        scene="Solna station (demo)",
        phase=Phase.ASSESSMENT,
        opened=300,
        title="Försäljning på pendeltågsperrongen",
        problem=(
            "Försäljning på pendeltågsperrongens norra del under kvällsrusningen; "
            "resenärer upplever otrygghet i väntan på tåget."
        ),
        indicator=SALES_PER_MONTH,
        baseline=22,
        target=10,
        goal_in=30,
        findings=[
            Finding(
                "place",
                "Perrongens norra del har skymda hörn bakom väderskydden.",
                place="Pendeltågsperrongen",
                manager="Stationsförvaltaren",
                manager_weak=True,
            ),
            Finding(
                "offenders",
                "Säljarna kommer med tåget och stannar kort; platsen är vald för flykt.",
                handler="Polisen",
            ),
        ],
        plans=[
            Plan(
                municipality_slug("0184"),
                "Förbättrad stationsmiljö",
                "stations-och-hallplatsmiljo",
                "Flytta väderskydd, öppna upp skymda hörn och förbättra belysningen.",
                start=-260,
                due=-150,
                status=ActionStatus.DONE,
                finding=0,
                update="Väderskydden flyttade och belysningen bytt.",
            ),
            Plan(
                "lpo-solna",
                "Riktade insatser under kvällsrusningen",
                "polisiar-narvaro-och-riktade-insatser",
                "Synlig närvaro på perrongen vardagar kl. 16–19.",
                start=-250,
                due=-100,
                status=ActionStatus.DONE,
                unit="patrulltimmar",
                target=50,
                achieved=50,
                finding=1,
                update="Alla planerade timmar genomförda.",
            ),
            Plan(
                municipality_slug("0184"),
                "Information till näringsidkare vid stationen",
                "informera-allmanheten-och-naringslivet",
                "Informera butiker och kaféer om hur de lämnar tips.",
                start=-200,
                due=-170,
                status=ActionStatus.DONE,
                finding=0,
                update="Tolv verksamheter informerade.",
            ),
        ],
        assessment={
            "process": "Alla tre åtgärderna genomfördes enligt plan.",
            "effect": "Observationerna av försäljning har minskat men målet är inte nått.",
            "conclusion": "Fortsätt med närvaron ytterligare en period och följ upp igen.",
            "days_ago": 10,
        },
    ),
    CaseSpec(
        scene="Jakobsbergs centrum (demo)",
        phase=Phase.RESPONSE,
        opened=90,
        title="Öppen användning och störningar på torget",
        category=Category.USE,
        problem=(
            "Narkotika används öppet på torget dagtid och det förekommer störningar mot "
            "butiker och besökare, mest vardagar kl. 11–16."
        ),
        indicator="Observationer av narkotikabruk per månad",
        baseline=20,
        target=10,
        goal_in=150,
        findings=[
            Finding(
                "place",
                "Bänkarna vid torgets mitt är samlingsplats; butikerna saknar gemensam "
                "platsansvarig.",
                place="Torget",
                manager="Centrumföreningen",
                manager_weak=True,
            ),
            Finding(
                "victims",
                "Butiksanställda och äldre besökare utsätts för störningar.",
                guardian="Butikerna och centrumvärdar",
                guardian_weak=True,
            ),
        ],
        plans=[
            Plan(
                municipality_slug("0123"),
                "Ordningsvakter på torget",
                "ordningsvakter",
                "Ordningsvakter vardagar kl. 11–17 under en försöksperiod.",
                start=-30,
                due=45,
                status=ActionStatus.ONGOING,
                unit="vaktpass",
                target=60,
                achieved=22,
                finding=0,
                update="Vakterna är på plats sedan en månad.",
            ),
            Plan(
                "lpo-jarfalla",
                "Ökad närvaro vid torget eftermiddagar",
                "oka-narvaron-pa-platsen",
                "Kvarterspolisen lägger fasta tider vid torget.",
                start=-10,
                due=2,
                status=ActionStatus.ONGOING,
                finding=1,
                update="Fasta tider införda tre dagar i veckan.",
            ),
            Plan(
                municipality_slug("0123"),
                "Uppsökande stöd, vård och behandling",
                "stod-vard-och-behandling",
                "Socialtjänsten och beroendevården erbjuder kontakt på plats.",
                start=5,
                due=60,
                finding=1,
            ),
        ],
    ),
    CaseSpec(
        scene="Sundbybergs torg (demo)",
        phase=Phase.CLOSED,
        opened=420,
        title="Samlingsplats för försäljning i parken",
        problem=(
            "Parken vid torget användes som samlingsplats för försäljning kvällstid, med "
            "nedskräpning och sprutor."
        ),
        indicator=SALES_PER_MONTH,
        baseline=16,
        target=4,
        goal_in=-60,
        findings=[
            Finding(
                "place",
                "Täta buskage och mörka gångar gav skydd mot insyn.",
                place="Parken",
                manager="Sundbybergs stad, parkenheten",
                manager_weak=True,
            ),
            Finding(
                "victims",
                "Boende runt parken undvek den och kontaktade kommunen upprepade gånger.",
                guardian="Boende och bostadsrättsföreningar",
            ),
        ],
        plans=[
            Plan(
                municipality_slug("0183"),
                "Gallring av buskage och ny belysning",
                "belysning",
                "Gallra buskagen och sätt upp belysning längs gångarna.",
                start=-380,
                due=-300,
                status=ActionStatus.DONE,
                unit="gångar",
                target=4,
                achieved=4,
                finding=0,
                update="Alla fyra gångarna upplysta.",
            ),
            Plan(
                "lpo-solna",
                "Riktade insatser kvällstid",
                "polisiar-narvaro-och-riktade-insatser",
                "Riktade insatser i parken fredagar och lördagar.",
                start=-370,
                due=-250,
                status=ActionStatus.DONE,
                unit="patrulltimmar",
                target=40,
                achieved=44,
                finding=0,
                update="44 patrulltimmar genomförda.",
            ),
            Plan(
                municipality_slug("0183"),
                "Platsaktivering med föreningslivet",
                "platsaktivering",
                "Sommaraktiviteter i parken tillsammans med föreningar.",
                start=-330,
                due=-240,
                status=ActionStatus.DONE,
                unit="aktiviteter",
                target=10,
                achieved=12,
                finding=1,
                update="Tolv aktiviteter, välbesökta.",
            ),
        ],
        assessment={
            "process": "Samtliga åtgärder genomfördes, de flesta före utsatt tid.",
            "effect": "Observationerna av försäljning minskade från 16 till 3 per månad.",
            "conclusion": "Problemet är löst; platsen följs upp i den vanliga lägesbilden.",
            "days_ago": 75,
        },
    ),
]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=STOCKHOLM_TZ)


def _generic_spec(scene: Scene) -> CaseSpec:
    """A case for a demo scene the list above does not know (one added later)."""
    team = [t.organisation for t in scene.team.select_related("organisation")]
    lead, partner = team[0], team[-1]
    place = scene.places.order_by("name").first()
    return CaseSpec(
        scene=scene.name,
        phase=Phase.ANALYSIS,
        opened=20,
        title="Försäljning och otrygghet på platsen kvällstid",
        problem=(
            "Återkommande försäljning av narkotika kvällstid; besökare och boende upplever "
            "otrygghet och undviker platsen."
        ),
        indicator=SALES_PER_MONTH,
        baseline=15,
        target=7,
        goal_in=240,
        findings=[
            Finding(
                "place",
                "Platsen saknar insyn och har svag belysning kvällstid.",
                place=place.name if place else "",
                manager="Fastighetsägaren",
                manager_weak=True,
            ),
            Finding(
                "victims",
                "Boende och besökare undviker platsen efter mörkrets inbrott.",
                guardian="Boende och verksamheter runt platsen",
                guardian_weak=True,
            ),
        ],
        plans=[
            Plan(
                lead.slug,
                "Trygghetsbesiktning av platsen",
                "trygghetsbesiktning",
                "Besiktning kvällstid med fastighetsägare och partner i teamet.",
                start=2,
                due=12,
                finding=0,
            ),
            Plan(
                partner.slug,
                "Lägesbild över försäljningen",
                None,
                "Sammanställ tider och platser utifrån observationer.",
                start=-7,
                due=3,
                status=ActionStatus.ONGOING,
                finding=0,
                update="Observationer från en vecka sammanställda.",
            ),
        ],
    )


def _load_case(spec: CaseSpec, scene: Scene, today: date, rng: random.Random) -> Case:
    lead = scene.team.select_related("organisation").get(is_lead=True).organisation
    coordinators = Membership.objects.filter(
        organisation=lead, role__in=("coordinator", "regional_coordinator")
    ).select_related("user")
    by = next(
        (m.user for m in coordinators),
        User.objects.filter(username="lan.samordnare").first(),
    )
    places = {p.name: p for p in Place.objects.filter(scene=scene)}
    orgs = {o.slug: o for o in Organisation.objects.filter(scene_teams__scene=scene)}
    staff = {
        (m.user.username, m.organisation_id): m.user
        for m in Membership.objects.filter(organisation__in=orgs.values()).select_related("user")
    }

    case = services.open_case(
        by=by,
        scene=scene,
        owner=lead,
        title=spec.title,
        problem_statement=spec.problem,
        goal_indicator=spec.indicator,
        goal_baseline=Decimal(spec.baseline),
        goal_target=Decimal(spec.target),
        goal_date=today + timedelta(days=spec.goal_in),
    )
    shown = list(scene.observations.filter(category=spec.category).order_by("occurred_at", "pk"))
    case.observations.set(rng.sample(shown, k=min(8, len(shown))))
    case = services.move_phase(case, Phase.ANALYSIS, by=by)

    analyses = [
        services.add_analysis(
            case,
            by=by,
            place=places.get(finding.place),
            area=finding.area,
            finding=finding.finding,
            handler=finding.handler,
            handler_weak=finding.handler_weak,
            guardian=finding.guardian,
            guardian_weak=finding.guardian_weak,
            manager=finding.manager,
            manager_weak=finding.manager_weak,
        )
        for finding in spec.findings
    ]
    case.places.set({a.place for a in analyses if a.place})
    if spec.phase != Phase.ANALYSIS:
        case = services.move_phase(case, Phase.RESPONSE, by=by)

    methods = {m.slug: m for m in Method.objects.filter(slug__in={p.method for p in spec.plans})}
    for plan in spec.plans:
        _load_action(case, plan, analyses, methods, orgs, staff, by, today, rng)

    if spec.phase in (Phase.ASSESSMENT, Phase.CLOSED):
        case = services.move_phase(case, Phase.ASSESSMENT, by=by)
    if spec.assessment:
        services.record_assessment(
            case,
            by=by,
            assessed_on=today - timedelta(days=spec.assessment["days_ago"]),
            process=spec.assessment["process"],
            effect=spec.assessment["effect"],
            conclusion=spec.assessment["conclusion"],
        )
    if spec.phase == Phase.CLOSED:
        case = services.move_phase(case, Phase.CLOSED, by=by)
    _backdate(case, today - timedelta(days=spec.opened), today, rng)
    return case


def _load_action(case, plan: Plan, analyses, methods, orgs, staff, by, today, rng) -> Action:
    responsible = orgs[plan.responsible]
    assignee = staff.get((plan.assignee, responsible.pk))
    # The demo is loaded, not assigned: nobody is e-mailed about it.
    action = services.add_action(
        case,
        by=by,
        notify=False,
        analysis=analyses[plan.finding] if plan.finding is not None else None,
        method=methods.get(plan.method) if plan.method else None,
        title=plan.title,
        description=plan.description,
        responsible=responsible,
        assignee=assignee,
        start_on=today + timedelta(days=plan.start),
        due_on=today + timedelta(days=plan.due),
        output_unit=plan.unit,
        output_target=plan.target,
    )
    if plan.status == ActionStatus.PLANNED:
        return action
    writer = assignee or by
    achieved = Decimal(plan.achieved) if plan.achieved is not None else None
    if plan.status == ActionStatus.DONE:
        finished = today + timedelta(days=min(plan.due, -1) - rng.randrange(0, 4))
        update = services.post_action_update(
            action, by=writer, text=plan.update, status=plan.status, output_achieved=achieved
        )
        written = _at(finished, 15)
        Action.objects.filter(pk=action.pk).update(completed_on=finished)
    else:
        update = services.post_action_update(
            action, by=writer, text=plan.update, status=plan.status, output_achieved=achieved
        )
        written = _at(today - timedelta(days=rng.randrange(2, 6)), rng.randrange(9, 17))
    ActionUpdate.objects.filter(pk=update.pk).update(written_at=written)
    return action


def _backdate(case: Case, opened: date, today: date, rng: random.Random) -> None:
    """Spread the case's phase changes between the day it was opened and a few days ago."""
    changes = list(case.phase_changes.order_by("pk"))
    last = today - timedelta(days=3)
    step = max((last - opened).days // max(len(changes), 1), 1)
    for index, change in enumerate(changes):
        day = min(opened + timedelta(days=index * step), last)
        change.changed_at = _at(day, rng.randrange(9, 16))
        change.save(update_fields=["changed_at"])
    Case.objects.filter(pk=case.pk).update(created_at=_at(opened, 9))


@transaction.atomic
def load_cases(today: date | None = None) -> int:
    """Create the demo cases for demo scenes that have a team and no case yet.

    Returns how many cases were created."""
    today = today or timezone.localdate()
    specs = {spec.scene: spec for spec in CASES}
    scenes = Scene.objects.filter(name__endswith="(demo)", team__isnull=False).distinct()
    created = 0
    for scene in scenes.order_by("name", "pk"):
        if scene.cases.exists():
            continue
        spec = specs.get(scene.name) or _generic_spec(scene)
        # A fixed seed per scene: the same fictional picture everywhere, whichever scenes
        # already had a case (not for anything secret).
        rng = random.Random(f"sara-demo-2026:{scene.name}")  # noqa: S311
        _load_case(spec, scene, today, rng)
        created += 1
    return created
