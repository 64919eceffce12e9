"""The evaluation report (utvärderingsrapport) for STAD: the follow-up of the county or one
municipality over a period, as a PDF and as an XLSX workbook from the same frozen snapshot.

A report kind of its own (`Kind.EVALUATION`), built by the same pipeline as a lägesbild (a
queued `Report`, claimed by a worker, snapshot → PDF/UA-1 → stored with its SHA-256,
downloaded through the permission-checked view). The snapshot is built here, with the
requester's permissions as they are when the worker runs, from the follow-up's own figures
(`followup.figures`, the tables of the follow-up pages), so the report says what the pages
say. Every count in it has already gone through `ods_platform.lib.suppression`: the snapshot
holds "<5" and "×", never a withheld number, so neither the PDF nor the workbook can show one.
It holds no free text: the figures are aggregates of rows no organisation keeps to itself, and
the only words from users are the names of scenes, methods and cases (shown to everyone who
sees them).

Snapshot (version 1)::

    {"version": 1, "kind": "evaluation", "title": str,
     "scope": {"kind": "county" | "municipality", "label": str, "scenes": shown},
     "period": {"start": date, "end": date, "days": int},
     "requested_by": {"name": str, "organisation": str}, "generated_at": datetime,
     "summary": [str],                  # sentences, counts withheld
     "chapters": [{"key": str, "title": str, "intro": str, "tables": [table]}],
     "effects": [{"case", "scene", "assessed_on", "setup": {...}, "presented": {...}}],
     "appendix": [table],
     "method_notes": [str], "sources": [str], "legend": str}

where `table` is `followup.tables.Table.as_json()` and `shown` is {"v": int | None, "t": str}.
The workbook (`sheets`) has one sheet per table, and a sheet that explains every column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followup.figures import FollowUp, Scope
from followup.permissions import followup_scenes
from followup.tables import Table, column_rows
from ods_platform.lib import formatting as fmt
from ods_platform.lib import suppression
from sara import effect
from sara.models import EffectEvaluation

from .snapshot import NothingToReport, SnapshotBuilder

VERSION = 1
TEMPLATE_NAME = "situation_reports/pdf/evaluation.html"
EFFECT_ROWS = 50


def report_scenes(report):
    """The scenes the report covers for its requester now: their follow-up (one rule,
    followup/permissions.py), within what the report was asked for."""
    user = report.requested_by
    if user is None or not user.is_active:
        return []
    scenes = followup_scenes(user, report.municipality_id if report.scope == "municipality"
                             else None)  # fmt: skip
    if report.scope == "county" and report.municipality_id is None:
        from followup.permissions import may_follow_up_county

        if not may_follow_up_county(user):
            return []
    return list(scenes.filter(pk__in=report.scenes.values("pk")).order_by("pk"))


def build_evaluation(report) -> tuple[dict, list[int]]:
    """The report's frozen snapshot, read as the requester may see the data now, and the ids
    of the scenes it covers."""
    with translation.override("sv"):
        scenes = report_scenes(report)
        if not scenes:
            raise NothingToReport
        scope = Scope(
            user=report.requested_by,
            scene_ids=tuple(s.pk for s in scenes),
            municipality=report.municipality if report.scope == "municipality" else None,
            end=report.period_end,
            start=report.period_start,
        )
        figures = FollowUp(scope)
        scene_tables = figures.scene_tables()
        sara_tables = figures.sara_tables()
        what_worked = figures.what_worked()
        effects_table = figures.effects()
        completeness = figures.completeness()
        completeness_summary = figures.completeness_summary()
        indicators = figures.indicators()
        summary_tables = {t.key: t for t in scene_tables + sara_tables}
        chapters = [
            {
                "key": "scener",
                "title": "Scener och symtom",
                "intro": (
                    "Scenernas status vid periodens slut per kommun och områdestyp, vilka "
                    "symtom de visade vid sin senaste bedömning, hur gamla bedömningarna är, "
                    "och hur många scener som identifierades och avvecklades per kvartal."
                ),
                "tables": [t.as_json() for t in scene_tables if t.key != "status_by_quarter"],
            },
            {
                "key": "sara",
                "title": "SARA-arbetet",
                "intro": (
                    "Ärendena per fas och hur länge de stannar i varje fas; åtgärderna per typ "
                    "av ansvarig organisation och per typ av metod, andelen genomförda i tid och "
                    "prestationen mot målet."
                ),
                "tables": [t.as_json() for t in sara_tables],
            },
            {
                "key": "vad-fungerade",
                "title": "Vad fungerade",
                "intro": (
                    "Per metod i metodkatalogen: i hur många ärenden den användes, i hur många "
                    "effekten mättes och vad den senaste mätningen visade."
                ),
                "tables": [what_worked.as_json()],
            },
            {
                "key": "fullstandighet",
                "title": "Rapporteringens fullständighet",
                "intro": (
                    "Hur mycket varje organisation loggade vecka för vecka, jämfört med sin egen "
                    "vanliga nivå, så att luckor i underlaget syns innan siffrorna tolkas."
                ),
                "tables": [completeness_summary.as_json()],
            },
        ]
        return {
            "version": VERSION,
            "kind": "evaluation",
            "title": report.title,
            "scope": {
                "kind": report.scope,
                "label": scope.label if report.scope == "municipality" else "Stockholms län",
                "scenes": suppression.shown(len(scenes)).as_json(),
            },
            "period": {
                "start": report.period_start.isoformat(),
                "end": report.period_end.isoformat(),
                "days": report.period_days,
            },
            "requested_by": SnapshotBuilder(report).requester(),
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "summary": _summary(summary_tables, effects_table, len(scenes)),
            "chapters": chapters,
            "effects": _effect_blocks(report, scope),
            "effects_table": effects_table.as_json(),
            "appendix": [
                summary_tables["status_by_quarter"].as_json(),
                completeness.as_json(),
                effects_table.as_json(),
                indicators.as_json(),
            ],
            "method_notes": method_notes(),
            "sources": _sources(figures, indicators),
            "legend": suppression.legend(),
        }, list(scope.scene_ids)


def _total(table, column: int = -1) -> suppression.Shown | None:
    if table.footer:
        return table.footer[column]
    return None


def _summary(tables: dict[str, Table], effects_table: Table, scenes: int) -> list[str]:
    def text(cell) -> str:
        return cell.text if isinstance(cell, suppression.Shown) else str(cell)

    phases = tables["phases"]
    actions = tables["actions_by_organisation_kind"]
    measured = len(effects_table.rows)
    return [
        f"Rapporten omfattar {suppression.shown(scenes).text} scener.",
        f"SARA-ärenden vid periodens slut: {text(_total(phases, 1)) if phases.footer else '0'}.",
        f"Åtgärder i ärenden som pågick under perioden: "
        f"{text(_total(actions)) if actions.footer else '0'}.",
        f"Effektmätningar sparade med en bedömning under perioden: "
        f"{suppression.shown(measured).text}.",
    ]


def _effect_blocks(report, scope: Scope) -> list[dict]:
    """Each effect measurement of the period in words (as on the case page)."""
    rows = (
        EffectEvaluation.objects.visible_to(scope.user)
        .filter(
            case__scene_id__in=scope.scene_ids,
            assessment__assessed_on__gte=report.period_start,
            assessment__assessed_on__lte=report.period_end,
        )
        .select_related(
            "case__scene__municipality",
            "assessment",
            "place",
            "control_scene",
            "indicator",
            "control_indicator",
        )
        .order_by("-assessment__assessed_on", "case__title", "pk")[:EFFECT_ROWS]
    )
    blocks = []
    for e in rows:
        presented = effect.present(e.counts, e.results)
        blocks.append(
            {
                "case": e.case.title,
                "scene": e.case.scene.name,
                "assessed_on": e.assessment.assessed_on.isoformat(),
                "setup": effect.describe_setup(effect.Setup.of(e)),
                "presented": {
                    "verdict_label": presented["verdict_label"],
                    "interval": presented["interval"],
                    "caveat": presented["caveat"],
                    "counts": [
                        {
                            "area": r["area"],
                            "before": r["before"].text,
                            "after": r["after"].text,
                            "change": r["change"],
                        }
                        for r in presented["counts"]
                    ],
                    "measures": presented["measures"],
                },
            }
        )
    return blocks


def method_notes() -> list[str]:
    """How the figures are made, in Swedish (the thresholds as they are set)."""
    small, minimum = suppression.threshold(), effect.min_count()
    return [
        *_notes_head(small),
        *(note.replace("{min}", fmt.integer(minimum)) for note in METHOD_NOTES),
    ]


def _notes_head(small: int) -> list[str]:
    return [
        "Siffrorna är aggregat. Rapporten innehåller ingen fritext och inga rader som en "
        "organisation håller för sig själv; den räknar bara det som alla som ser scenerna får "
        "se.",
        f"Antal från 1 till {small - 1} visas som ”<{small}”. Där en summa annars skulle "
        "avslöja ett sådant antal genom subtraktion döljs ytterligare en cell, markerad ”×”. "
        "Andelar och medianer döljs när de skulle avslöja ett litet antal.",
    ]


METHOD_NOTES = [
    "En scens status vid ett kvartals eller periodens slut kommer ur statushistoriken; före "
    "scenens första registrerade statusändring räknas den med sin första registrerade status.",
    "Tiden i en fas är tiden mellan två fasändringar i ärendets historik; för ärenden som är "
    "kvar i fasen räknas tiden fram till periodens slut. Medianer anges bara där de inte "
    "bygger på ett litet antal ärenden.",
    "Effekt och förskjutning: R är insatsområdet, D buffertzonen (en ring av vald bredd runt "
    "insatsområdet, beräknad i SWEREF 99 TM), C kontrollområdet och CD en ring av samma bredd "
    "runt kontrollområdet; b före och a efter. Bruttoeffekt GE = Rb − Ra; nettoeffekt NE = Rb/Cb "
    "− Ra/Ca; viktad förskjutningskvot WDQ = (Da/Ca − Db/Cb) / (Ra/Ca − Rb/Cb), med "
    "framgångsmåttet i nämnaren och buffertzonens förskjutningsmått i täljaren; total "
    "nettoeffekt TNE = [Rb·Ca/Cb − Ra] + [Db·Ca/Cb − Da] (Bowers & Johnson 2003).",
    "Viktad förskjutningsdifferens WDD = ΔR − ΔC + ΔD − ΔCD, där ΔX = Xa − Xb (Wheeler & "
    "Ratcliffe 2018), med standardfelet √(Ra + Rb + Ca + Cb + Da + Db + CDa + CDb) när antalen "
    "räknas som Poissonfördelade och 95 % konfidensintervall WDD ± 1,96·SE. Ett negativt WDD är "
    "en minskning räknad netto mot kontrollområdet och förskjutningen; ligger hela intervallet "
    "under noll går minskningen att skilja från slumpmässig variation.",
    "Ett mått anges inte när det skulle dela med noll, eller när något av antalen det bygger på "
    "är färre än {min}: då står en varning i stället för ett tal.",
    "”Resten av kommunen” som kontrollområde: plattformen har inga kommungränser, så det är "
    "observationerna vid kommunens övriga scener, utanför insatsområdet och dess buffertzon.",
    "Vad som fungerade per metod visar i hur många ärenden en metod användes och vad ärendenas "
    "senaste effektmätning visade. Det är inte ett bevis för att metoden fungerar: ärendena "
    "skiljer sig åt, annat arbete pågick samtidigt, och ett ärende där metoden användes och "
    "problemet minskade visar inte att det minskade på grund av metoden.",
    "Rapporteringens fullständighet: observationer räknas efter veckan de inträffade, "
    "åtgärdsuppdateringar efter veckan de skrevs. Den vanliga nivån är medianen av de tolv "
    "veckorna före den första veckan som visas; veckor under halva den nivån markeras, bara där "
    "den vanliga nivån inte är ett litet antal.",
]


def _sources(figures: FollowUp, indicators: Table) -> list[str]:
    return [
        "Observationer som teamens personal loggat i plattformen: det de sett och fått "
        "rapporterat, inte en fullständig räkning av allt som händer på platserna. Mängden "
        "speglar också hur ofta personal var på plats.",
        "Statushistorik, symtombedömningar, SARA-ärenden, fasändringar, åtgärder och "
        "åtgärdsuppdateringar som registrerats i plattformen.",
        "Effektmätningar som sparats med en bedömning i ett ärende: antalen räknades när "
        "bedömningen sparades, med det som bedömaren fick se då.",
        f"Indikatorer (siffror utanför plattformen, t.ex. polisanmälda brott, händelser till SL:s "
        f"Trygghetscentral, trygghetsmätningar): {suppression.shown(len(indicators.rows)).text} "
        "st, med källa och perioder i bilagan. Deras kvalitet och urval beror på källan.",
        "Scener, ärenden och åtgärder som beställaren inte fick se när rapporten skapades finns "
        "inte med.",
    ]


# --- The PDF --------------------------------------------------------------------------------


def _tables(tables: list[dict]) -> list[Table]:
    return [Table.from_json(t) for t in tables]


def render_html(snapshot: Mapping[str, Any]) -> str:
    from .pdf import GENERATOR, STATIC_BASE_URL, STYLESHEET

    with translation.override("sv"):
        return render_to_string(
            TEMPLATE_NAME,
            {
                "title": snapshot["title"],
                "stylesheet_url": STATIC_BASE_URL + STYLESHEET,
                "generator": GENERATOR,
                "created": snapshot["generated_at"],
                "scope": snapshot["scope"],
                "scope_kind": "Län" if snapshot["scope"]["kind"] == "county" else "Kommun",
                "period": fmt.period(snapshot["period"]["start"], snapshot["period"]["end"]),
                "days": fmt.integer(snapshot["period"]["days"]),
                "requested_by": snapshot["requested_by"],
                "generated_at": fmt.datetime(snapshot["generated_at"]),
                "summary": snapshot["summary"],
                "chapters": [{**c, "tables": _tables(c["tables"])} for c in snapshot["chapters"]],
                "effects": [
                    {**e, "assessed_on": fmt.date(e["assessed_on"])} for e in snapshot["effects"]
                ],
                "appendix": _tables(snapshot["appendix"]),
                "method_notes": snapshot["method_notes"],
                "sources": snapshot["sources"],
                "legend": snapshot["legend"],
            },
        )


# --- The workbook ---------------------------------------------------------------------------


def sheets(snapshot: Mapping[str, Any]) -> list[tuple[str, list, list]]:
    """One sheet per table of the report, then one that explains every column."""
    tables = [t for c in snapshot["chapters"] for t in _tables(c["tables"])]
    tables += _tables(snapshot["appendix"])
    out = [(t.title, t.headers(), t.export_rows()) for t in tables]
    with translation.override("sv"):
        out.append(
            (_("Columns"), [_("Table"), _("Column"), _("What it holds")], column_rows(tables))
        )
        notes = [[text] for text in [*snapshot["method_notes"], snapshot["legend"]]]
        out.append((_("Method notes"), [_("Method notes")], notes))
    return out
