"""Open drug scenes as lasting places: boundary, sub-places, status, symptoms, team, observations.

Geometries are stored in WGS 84 (SRID 4326) for the maps; distances and grids are computed in
SWEREF 99 TM (SRID 3006, metres).
"""

import contextlib
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.db import models
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from actors.models import Organisation
from audit.triggers import audited
from ods_platform.lib.personnummer import contains_identity_number
from ods_platform.lib.plain import MIN_DATE, PlainInput

from .permissions import (
    ImportJobQuerySet,
    IndicatorQuerySet,
    IndicatorValueQuerySet,
    ObservationQuerySet,
    SceneChildQuerySet,
    SceneQuerySet,
    ShareQuerySet,
    StatusChangeQuerySet,
    SymptomAssessmentQuerySet,
)

SWEREF99TM = 3006

_local = threading.local()


def to_sweref99tm() -> CoordTransform:
    """WGS 84 -> SWEREF 99 TM, built once per thread: building one costs milliseconds."""
    transform = getattr(_local, "to_sweref99tm", None)
    if transform is None:
        transform = _local.to_sweref99tm = CoordTransform(
            SpatialReference(4326), SpatialReference(SWEREF99TM)
        )
    return transform


# Allowed future skew for an observation's time (clocks on phones drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


# Where geometries may lie: Sweden, with a margin (WGS 84: west, south, east, north).
SWEDEN = (10.0, 55.0, 24.5, 69.5)


def in_sweden(geometry) -> bool:
    west, south, east, north = geometry.extent
    return SWEDEN[0] <= west and east <= SWEDEN[2] and SWEDEN[1] <= south and north <= SWEDEN[3]


def check_area(geometry, field: str) -> None:
    """An area is in Sweden and every ring of it has at least three different corners."""
    if not in_sweden(geometry):
        raise ValidationError({field: _("The place lies outside Sweden; check the coordinates.")})
    polygons = [geometry] if geometry.geom_type == "Polygon" else list(geometry)
    for polygon in polygons:
        for ring in polygon:
            if len(set(ring.coords)) < 3:
                raise ValidationError({field: _("An area needs at least three different corners.")})


class ShownTextGuard:
    """For models with free text: an instance read through `visible_to` (its hidden text
    removed) refuses to be saved, so that nothing hidden is ever overwritten."""

    def save(self, *args, **kwargs):
        if getattr(self, "_text_guarded", False):
            raise RuntimeError(
                f"{type(self).__name__} {self.pk} was read for display: fetch it again to change it"
            )
        return super().save(*args, **kwargs)


class AreaType(models.TextChoices):
    FORORT = "forort", _("Suburb (förort)")
    CITY = "city", _("City centre")
    UTSATT = "utsatt_omrade", _("Vulnerable area (utsatt område)")


class PlaceType(models.TextChoices):
    PARK = "park", _("Park")
    STATION = "stationsomrade", _("Station area")
    BOSTAD = "bostadsomrade", _("Residential area")
    TORG = "torgyta", _("Square")
    ANNAT = "annat", _("Other")


class Status(models.TextChoices):
    KARTLAGD = "kartlagd", _("Mapped")
    AKTIV = "aktiv", _("Active")
    UNDER_ATGARD = "under_atgard", _("Under action")
    MINSKAD = "minskad", _("Reduced")
    AVVECKLAD = "avvecklad", _("Closed down")


class Symptom(models.TextChoices):
    NUISANCE = "nuisance", _("Causes discomfort or nuisance for the public")
    UNSAFE = "unsafe", _("Perceived as unsafe")
    HOTSPOT = "hotspot", _("Hot spot: high concentration of crime")
    ATTRACTS = "attracts", _("Attracts new users and other vulnerable groups")
    YOUTH_ADVISED = "youth_advised", _("Young people are advised not to be there")
    AVOIDED = "avoided", _("The public avoids the place")
    TOLERANCE_ZONE = "tolerance_zone", _("Informal zone of tolerance for deviant behaviour")


class LocationFactor(models.TextChoices):
    STAGE = "stage", _("A stage for showing power and marketing drugs")
    SAFE_FOR_GANG = "safe_for_gang", _("Feels safe for the gang (lower risk, some protection)")
    BANK_ATM = "bank_atm", _("Near a bank or ATM")
    WARMTH = "warmth", _("Warmth, e.g. in a doorway")
    SYSTEMBOLAGET = "systembolaget", _("Near Systembolaget")
    CARE_FACILITY = "care_facility", _("Near a care facility")
    COMMUNITY = "community", _("Community")
    CLOSE_TO_HOME = "close_to_home", _("Close to home")


class Scene(PlainInput, models.Model):
    """An open drug scene (öppen drogscen): a lasting place on the map, worked by a team."""

    name = models.CharField(_("name"), max_length=200)
    municipality = models.ForeignKey(
        Organisation,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="scenes",
        limit_choices_to={"kind": Organisation.Kind.KOMMUN},
    )
    area_type = models.CharField(_("area type"), max_length=20, choices=AreaType.choices)
    place_type = models.CharField(_("place type"), max_length=20, choices=PlaceType.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.KARTLAGD
    )
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)
    description = models.TextField(_("description"), blank=True)
    identified_on = models.DateField(_("first identified"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SceneQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("scene")
        verbose_name_plural = _("scenes")
        ordering = ["name"]
        permissions = [("log_observation", "Can log observations at the scene")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("identified_on")),
                name="scene_closed_after_identified",
                violation_error_message=_("The closing date cannot be before the first date."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.municipality_id and self.municipality.kind != Organisation.Kind.KOMMUN:
            raise ValidationError({"municipality": _("Choose a municipality.")})
        if isinstance(self.boundary, Polygon):
            self.boundary = MultiPolygon(self.boundary, srid=self.boundary.srid)
        if self.boundary is not None:
            check_area(self.boundary, "boundary")
            if not self.boundary.valid:
                raise ValidationError(
                    {"boundary": _("The boundary crosses itself; draw it again.")}
                )

    def distance_m(self, point: Point) -> float:
        """Distance in metres from the boundary to a point (0 inside); both in WGS 84."""
        transform = to_sweref99tm()
        boundary = self.boundary.transform(transform, clone=True)
        return boundary.distance(point.transform(transform, clone=True))


class SceneUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Scene, on_delete=models.CASCADE)


class SceneGroupObjectPermission(GroupObjectPermissionBase):
    """Object grants of an organisation's group on a scene: held while it is on the team."""

    content_object = models.ForeignKey(Scene, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        triggers = [audited()]


class LegalBasis(models.TextChoices):
    """The provisions of the Public Access to Information and Secrecy Act (OSL) that allow
    information to be shared between authorities, as staff name them."""

    CONSENT = "samtycke", _("Consent under OSL chapter 12 section 2")
    NECESSARY = "osl_10_2", _("OSL chapter 10 section 2 (necessary disclosure)")
    OSL_10_18A = "osl_10_18a", _("OSL chapter 10 section 18 a")
    OSL_10_18C = "osl_10_18c", _("OSL chapter 10 section 18 c")
    DUTY = "osl_10_28", _("OSL chapter 10 section 28 (duty to provide information)")
    OSL_25_26 = "osl_25_12_26_9", _("OSL chapter 25 section 12 / chapter 26 section 9")
    OTHER = "annan", _("Another provision (write it out)")


class TeamBasis(models.TextChoices):
    """What an organisation's place on a scene's team rests on."""

    AGREEMENT = "agreement", _("Cooperation agreement (samverkansöverenskommelse)")
    CONSENT = LegalBasis.CONSENT.value, LegalBasis.CONSENT.label
    NECESSARY = LegalBasis.NECESSARY.value, LegalBasis.NECESSARY.label
    OSL_10_18A = LegalBasis.OSL_10_18A.value, LegalBasis.OSL_10_18A.label
    OSL_10_18C = LegalBasis.OSL_10_18C.value, LegalBasis.OSL_10_18C.label
    DUTY = LegalBasis.DUTY.value, LegalBasis.DUTY.label
    OSL_25_26 = LegalBasis.OSL_25_26.value, LegalBasis.OSL_25_26.label
    OTHER = LegalBasis.OTHER.value, LegalBasis.OTHER.label
    # The organisation that created the scene: the work and its data are its own.
    CREATED = "created", _("Created the scene and leads the work")
    # Teams formed before the platform asked for a basis.
    UNRECORDED = "unrecorded", _("Not recorded (joined before a basis was required)")


class SceneTeam(PlainInput, models.Model):
    """An organisation working a scene, on a recorded basis. One team member is the lead.

    The organisation reads the free text of what is logged at the scene from `reads_from`
    on (by default the day it joined; NULL: the whole history, as the lead that created the
    scene does)."""

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="team")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="scene_teams",
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    basis = models.CharField(
        _("basis of the cooperation"), max_length=20, choices=TeamBasis.choices
    )
    basis_reference = models.CharField(
        _("reference"),
        max_length=300,
        blank=True,
        help_text=_(
            "The agreement's reference (diarienummer), or the provision written out when it is "
            "another provision."
        ),
    )
    basis_date = models.DateField(_("agreement date"), null=True, blank=True)
    reads_from = models.DateField(_("reads free text from"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SceneChildQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("team member")
        verbose_name_plural = _("team")
        ordering = ["-is_lead", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["scene", "organisation"], name="team_once_per_scene"),
            models.UniqueConstraint(
                fields=["scene"], condition=Q(is_lead=True), name="team_one_lead_per_scene"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} @ {self.scene}"

    def clean(self):
        super().clean()
        _check_basis(self.basis, self.basis_reference, self.basis_date, agreement="agreement")

    def basis_text(self) -> str:
        """The basis in words, as the team's history shows it."""
        parts = [str(TeamBasis(self.basis).label)] if self.basis else []
        parts += [p for p in (self.basis_reference, self.basis_date and str(self.basis_date)) if p]
        return ", ".join(parts)


def _check_basis(basis, reference, day=None, *, agreement=None):
    """A basis is complete: an agreement has its reference and date; another provision is
    written out."""
    errors = {}
    if basis == agreement:
        if not reference.strip():
            errors["basis_reference"] = _("Give the agreement's reference.")
        if day is None:
            errors["basis_date"] = _("Give the agreement's date.")
    elif basis == LegalBasis.OTHER and not reference.strip():
        errors["basis_reference"] = _("Write out the provision.")
    if errors:
        raise ValidationError(errors)


class TeamChange(models.Model):
    """The team's history: who joined (on what basis, reading from when), who left, who
    became lead; by whom and when."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("joined the team")
        LEFT = "left", _("left the team")
        LEAD = "lead", _("became the lead organisation")

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="team_changes")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    basis = models.CharField(_("basis"), max_length=500, blank=True)
    reads_from = models.DateField(_("reads free text from"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    objects = SceneChildQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.organisation} {self.get_kind_display()}"


class StatusChange(PlainInput, ShownTextGuard, models.Model):
    """One entry in a scene's status history: what it became, when, and who changed it."""

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["-changed_at", "-pk"]


class SymptomAssessment(PlainInput, ShownTextGuard, models.Model):
    """A dated checklist of the seven symptoms and the location factors. History, not flags."""

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    symptoms = ArrayField(
        models.CharField(max_length=20, choices=Symptom.choices),
        verbose_name=_("symptoms"),
        default=list,
        blank=True,
    )
    location_factors = ArrayField(
        models.CharField(max_length=20, choices=LocationFactor.choices),
        verbose_name=_("location factors"),
        default=list,
        blank=True,
    )
    comment = models.TextField(_("comment"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SymptomAssessmentQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("symptom assessment")
        verbose_name_plural = _("symptom assessments")
        ordering = ["-assessed_on", "-pk"]

    def clean(self):
        super().clean()
        if self.comment and contains_identity_number(self.comment):
            raise ValidationError({"comment": PERSONAL_DATA_MESSAGE})

    def symptom_labels(self):
        return [Symptom(s).label for s in self.symptoms]

    def location_factor_labels(self):
        return [LocationFactor(f).label for f in self.location_factors]


class Place(PlainInput, models.Model):
    """A sub-place (delplats) inside a scene: a stairwell, the park, a waiting hall."""

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    geometry = models.GeometryField(_("location"), srid=4326, help_text=_("A point or an area."))

    objects = SceneChildQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("sub-place")
        verbose_name_plural = _("sub-places")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["scene", "name"], name="place_name_unique_in_scene")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("scenes:place_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.geometry is not None and self.geometry.geom_type not in (
            "Point",
            "Polygon",
            "MultiPolygon",
        ):
            raise ValidationError({"geometry": _("A sub-place is a point or an area.")})
        if self.geometry is not None:
            if self.geometry.geom_type == "Point":
                if not in_sweden(self.geometry):
                    raise ValidationError(
                        {"geometry": _("The place lies outside Sweden; check the coordinates.")}
                    )
            else:
                check_area(self.geometry, "geometry")


class LandmarkKind(models.TextChoices):
    ENTRANCE = "entrance", _("Entrance")
    STOP = "stop", _("Stop or station")
    SCHOOL = "school", _("School or preschool")
    SHOP = "shop", _("Shop or business")
    CARE = "care", _("Care or support facility")
    PLAYGROUND = "playground", _("Playground or leisure facility")
    CAMERA = "camera", _("Camera")
    OTHER = "other", _("Other")


class Landmark(PlainInput, models.Model):
    """A point that helps a reader find their way on a scene's map without tiles: an
    entrance, a stop, a school. Added by the scene's coordinators; seen with the scene."""

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="landmarks")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=LandmarkKind.choices)
    location = models.PointField(_("location"), srid=4326)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SceneChildQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("landmark")
        verbose_name_plural = _("landmarks")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scene", "name"], name="landmark_name_unique_in_scene")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.scene_id and self.location is not None:
            distance = self.scene.distance_m(self.location)
            limit = settings.ODS_OBSERVATION_MAX_DISTANCE_M
            if distance > limit:
                raise ValidationError(
                    {
                        "location": _(
                            "The landmark is %(d)d m outside the scene; at most %(limit)d m "
                            "is allowed."
                        )
                        % {"d": distance, "limit": limit}
                    }
                )


class Category(models.TextChoices):
    SALE = "narkotikaforsaljning", _("Drug dealing")
    USE = "narkotikabruk", _("Drug use")
    VIOLENCE = "vald_hot", _("Violence or threats")
    VANDALISM = "skadegorelse", _("Vandalism")
    SYRINGES = "sprutor_nedskrapning", _("Syringes or litter")
    DISORDER = "ordningsstorning", _("Public disorder")
    INSECURITY = "otrygghetsskapande", _("Behaviour creating insecurity")
    YOUTH = "unga_i_riskmiljo", _("Young people in a risk environment")
    OTHER = "annat", _("Other")


class AffectedGroup(models.TextChoices):
    RESIDENTS = "boende", _("Residents")
    PASSERSBY = "forbipasserande", _("Passers-by")
    TRAVELLERS = "resenarer", _("Travellers")
    BUSINESSES = "naringsidkare", _("Business owners")
    PEOPLE_IN_ADDICTION = "personer_i_missbruk", _("People in addiction")
    CHILDREN = "barn_och_unga", _("Children and young people")
    STAFF = "personal", _("Staff")


class Source(models.TextChoices):
    OWN = "egen", _("Own observation")
    POLICE = "polis", _("Police")
    FIELD_ASSISTANT = "faltassistent", _("Field assistant")
    GUARD = "ordningsvakt", _("Security guard")
    SL_CONTROL = "sl_trygghetscentral", _("SL Trygghetscentral")
    PUBLIC_TIP = "tips", _("Tip from the public")
    SAFETY_WALK = "trygghetsvandring", _("Safety walk")
    OTHER = "annat", _("Other")


PERSONAL_DATA_MESSAGE = _(
    "The text contains what looks like a Swedish personal identity number. Observations "
    "describe places and groups, never individual people: remove the number and any other "
    "detail that identifies a person."
)


class Observation(PlainInput, ShownTextGuard, models.Model):
    """Something seen or reported at a scene. About places and groups, never people."""

    # No index of its own: observation_scene_time (scene, occurred_at) starts with it.
    scene = models.ForeignKey(
        Scene, on_delete=models.CASCADE, related_name="observations", db_index=False
    )
    place = models.ForeignKey(
        Place,
        verbose_name=_("sub-place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observations",
    )
    # No spatial index: no query reads the points by it (the viewport bounds the coordinates,
    # the duplicate check compares points projected to metres within a scene and period);
    # 398 MB at 10 M that every insert kept and no scan ever used (pg_stat_user_indexes).
    location = models.PointField(_("location"), srid=4326, spatial_index=False)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    people_count = models.PositiveSmallIntegerField(
        _("approximate number of people"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(500)],
    )
    affected_groups = ArrayField(
        models.CharField(max_length=30, choices=AffectedGroup.choices),
        verbose_name=_("affected groups"),
        default=list,
        blank=True,
    )
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    insecurity = models.PositiveSmallIntegerField(
        _("how insecure (1–5)"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = hardly insecure, 5 = very insecure."),
    )
    description = models.TextField(_("description"), blank=True, max_length=4000)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="observations",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("for organisation"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)
    restricted = models.BooleanField(
        _("only our own organisation"),
        default=False,
        help_text=_(
            "Kept to the organisation it is logged for: no other organisation sees it, in no "
            "list, count, map or report, until it is shared with a recorded legal basis."
        ),
    )
    shares = GenericRelation("scenes.Share")
    # The key the client made for this observation (the form's hidden field, the offline
    # outbox, an integration's retry): sending it again never stores a second row.
    client_uuid = models.UUIDField(_("client key"), null=True, blank=True, editable=False)
    # The same event logged twice: the duplicate is kept and shown, linked to the observation
    # it repeats, and counted nowhere. SET_NULL: should the original ever be deleted, the
    # duplicate stands for the event again, so that no event drops out of the counts.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    duplicate_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked as duplicate by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_marked_at = models.DateTimeField(_("marked as duplicate"), null=True, blank=True)

    objects = ObservationQuerySet.as_manager()

    # Set by the logging verb: True when a repeat of an already stored key was answered
    # with the stored row instead of a new one.
    replayed = False

    class Meta:
        triggers = [audited()]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["scene", "occurred_at"], name="observation_scene_time"),
            # "New since your last visit" on the start page: the rows logged after a time,
            # whenever they happened (with the period's OR the planner read every row of the
            # user's scenes: 400 ms at 10 M; bench/README.md).
            models.Index(fields=["created_at"], name="observation_created"),
        ]
        constraints = [
            # Not even raw SQL stores a time no page could read back (year 1 becomes 1 BC).
            models.CheckConstraint(
                condition=Q(occurred_at__gte=datetime(2000, 1, 1, tzinfo=UTC)),
                name="observation_time_plausible",
                violation_error_message=_("Give a time from the year 2000 on."),
            ),
            models.UniqueConstraint(fields=["client_uuid"], name="observation_client_uuid_unique"),
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("pk")),
                name="observation_not_duplicate_of_itself",
                violation_error_message=_("An observation cannot be a duplicate of itself."),
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.occurred_at:%Y-%m-%d %H:%M}"

    def affected_group_labels(self) -> list[str]:
        return [str(AffectedGroup(g).label) for g in self.affected_groups]

    def get_absolute_url(self):
        return reverse("scenes:observation_detail", args=[self.pk])

    def clean(self):
        """The rules every way in shares: the form, the import and the API."""
        super().clean()
        errors = {}
        if self.description and contains_identity_number(self.description):
            errors["description"] = PERSONAL_DATA_MESSAGE
        if self.occurred_at and self.occurred_at > timezone.now() + FUTURE_TOLERANCE:
            errors["occurred_at"] = _("The time is in the future. Give when it happened.")
        if self.scene_id and self.location is not None:
            limit = settings.ODS_OBSERVATION_MAX_DISTANCE_M
            distance = self.scene.distance_m(self.location)
            if distance > limit:
                errors["location"] = _(
                    "The point is %(distance)d m outside the scene's boundary; at most "
                    "%(limit)d m is allowed. Check the position, or log it at the right scene."
                ) % {"distance": round(distance), "limit": limit}
        if self.place_id and self.scene_id and self.place.scene_id != self.scene_id:
            errors["place"] = _("The sub-place belongs to another scene.")
        if self.duplicate_of_id:
            message = self.duplicate_problem(self.duplicate_of)
            if message:
                errors["duplicate_of"] = message
        if errors:
            raise ValidationError(errors)

    def duplicate_problem(self, original) -> str | Promise:
        """Why this observation cannot be a duplicate of `original` ("" when it can): the
        same scene, not itself, no chains (the original is no duplicate, this one has none),
        and the original seen by everyone who sees this one (a row kept to an organisation
        is the original only of a row kept to the same organisation)."""
        if original.pk == self.pk:
            return _("An observation cannot be a duplicate of itself.")
        if original.scene_id != self.scene_id:
            return _("A duplicate must be of an observation at the same scene.")
        if original.duplicate_of_id:
            return _("That observation is itself a duplicate: link to the observation it repeats.")
        if self.pk and Observation.objects.filter(duplicate_of_id=self.pk).exists():
            return _(
                "Other observations are linked as duplicates of this one: unlink them or link "
                "them to the other observation first."
            )
        if original.restricted and not (
            self.restricted and self.organisation_id == original.organisation_id
        ):
            return _(
                "That observation is kept to its organisation: only an observation kept to "
                "the same organisation can be linked to it."
            )
        return ""


class DuplicateDismissal(PlainInput, models.Model):
    """Two observations a coordinator judged to be different events ("Inte dubblett"): the
    pair is not suggested again. `first` is the one with the lower id."""

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)

    objects = SceneChildQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("dismissed duplicate pair")
        verbose_name_plural = _("dismissed duplicate pairs")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_dismissed_once"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="duplicate_dismissal_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.first_id} ≠ {self.second_id}"


class IndicatorLevel(models.TextChoices):
    SCENE = "scene", _("Scene")
    MUNICIPALITY = "municipality", _("Municipality")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")
    # Indicators from before periods were fixed: any dates.
    OTHER = "other", _("Other (any dates)")


# No indicator value is for a period that starts earlier than this (the platform's rule for
# every date).
EARLIEST_PERIOD = MIN_DATE


class Indicator(PlainInput, models.Model):
    """A series of figures from outside the platform, for one scene or one municipality:
    police-reported crimes near a scene, SL's incident statistics, syringe finds, the share
    feeling unsafe in the municipality's trygghetsmätning. Imported or typed in, period by
    period (a month, a quarter or a year)."""

    level = models.CharField(
        _("level"), max_length=20, choices=IndicatorLevel.choices, default=IndicatorLevel.SCENE
    )
    scene = models.ForeignKey(
        Scene, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    municipality = models.ForeignKey(
        Organisation,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        limit_choices_to={"kind": Organisation.Kind.KOMMUN},
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    lower_is_better = models.BooleanField(
        _("lower is better"),
        default=True,
        help_text=_("Yes for crimes and incidents; no for, say, the share who feel safe."),
    )
    period = models.CharField(
        _("values per"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["scene", "name"], name="indicator_name_unique_in_scene"
            ),
            models.UniqueConstraint(
                fields=["municipality", "name"],
                condition=Q(level="municipality"),
                name="indicator_name_unique_in_municipality",
                violation_error_message=_(
                    "The municipality already has an indicator by that name."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(level="scene", scene__isnull=False, municipality__isnull=True)
                    | Q(level="municipality", scene__isnull=True, municipality__isnull=False)
                ),
                name="indicator_level_matches_place",
                violation_error_message=_(
                    "A scene's indicator belongs to a scene; a municipality's to a municipality."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})" if self.unit else self.name

    @property
    def place_name(self) -> str:
        """The scene or municipality the series is about."""
        if self.level == IndicatorLevel.MUNICIPALITY:
            return str(self.municipality) if self.municipality_id else ""
        return str(self.scene) if self.scene_id else ""

    def clean(self):
        super().clean()
        if self.municipality_id and self.municipality.kind != Organisation.Kind.KOMMUN:
            raise ValidationError({"municipality": _("Choose a municipality.")})
        if self.description and contains_identity_number(self.description):
            raise ValidationError({"description": PERSONAL_DATA_MESSAGE})


def period_bounds(kind: str, start: date) -> tuple[date, date]:
    """The month, quarter or year that begins on `start`: (first day, last day)."""
    if kind == PeriodKind.MONTH:
        months = 1
    elif kind == PeriodKind.QUARTER:
        months = 3
    elif kind == PeriodKind.YEAR:
        months = 12
    else:
        raise ValueError(kind)
    index = start.year * 12 + start.month - 1 + months
    following = date(index // 12, index % 12 + 1, 1)
    return start, following - timedelta(days=1)


def is_calendar_period(kind: str, start: date, end: date) -> bool:
    """Whether start–end is one whole calendar month, quarter or year of that kind."""
    if start.day != 1:
        return False
    if kind == PeriodKind.QUARTER and start.month not in (1, 4, 7, 10):
        return False
    if kind == PeriodKind.YEAR and start.month != 1:
        return False
    return period_bounds(kind, start) == (start, end)


class IndicatorValue(PlainInput, ShownTextGuard, models.Model):
    """An indicator's value for one period, with where it comes from and who entered it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("Where the figure comes from.")
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_from = models.CharField(
        _("imported from file"), max_length=200, blank=True, help_text=_("Empty: typed in.")
    )
    created_at = models.DateTimeField(_("entered"), default=timezone.now)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start", "period_end"],
                name="indicator_value_once_per_period",
                violation_error_message=_("This indicator already has a value for that period."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="indicator_period_ends_after_start",
                violation_error_message=_("The period must start before it ends."),
            ),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value} ({self.period_start}–{self.period_end})"

    def clean(self):
        super().clean()
        errors = {}
        if self.note and contains_identity_number(self.note):
            errors["note"] = PERSONAL_DATA_MESSAGE
        if self.source and contains_identity_number(self.source):
            errors["source"] = PERSONAL_DATA_MESSAGE
        start, end = self.period_start, self.period_end
        if start and end and self.indicator_id:
            kind = self.indicator.period
            if kind != PeriodKind.OTHER and not is_calendar_period(kind, start, end):
                errors["period_start"] = _(
                    "The indicator has a value per %(kind)s: give one whole %(kind)s."
                ) % {"kind": PeriodKind(kind).label.lower()}
        if start and (start > timezone.localdate() or start < EARLIEST_PERIOD):
            errors["period_start"] = _(
                "The period is out of range: it must have begun, and not before %(year)d."
            ) % {"year": EARLIEST_PERIOD.year}
        if errors:
            raise ValidationError(errors)


class Share(PlainInput, models.Model):
    """A row kept to its organisation, shared with named organisations on a recorded legal
    basis, for a purpose, until an optional end date. Ending it hides the row again at once.

    The row is an observation, an analysis entry or an action update (a generic relation, so
    that each app's rows can be shared the same way)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    row = GenericForeignKey("content_type", "object_id")
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("shared with"), related_name="shares_received"
    )
    basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    basis_other = models.CharField(
        _("provision"),
        max_length=300,
        blank=True,
        help_text=_("Write out the provision when it is another provision."),
    )
    purpose = models.CharField(_("purpose"), max_length=500)
    decided_by = models.CharField(
        _("decided by"), max_length=200, help_text=_("Who took the decision, and their title.")
    )
    decided_on = models.DateField(_("decided on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ShareQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="share_row")]

    def __str__(self):
        return f"{self.get_basis_display()}: {self.purpose[:60]}"

    def clean(self):
        super().clean()
        if self.basis == LegalBasis.OTHER and not self.basis_other.strip():
            raise ValidationError({"basis_other": _("Write out the provision.")})
        if self.ends_on and self.decided_on and self.ends_on < self.decided_on:
            raise ValidationError({"ends_on": _("The share cannot end before it was decided.")})
        for name in ("purpose", "decided_by", "basis_other"):
            if contains_identity_number(getattr(self, name)):
                raise ValidationError({name: PERSONAL_DATA_MESSAGE})

    def basis_text(self) -> str:
        label = str(self.get_basis_display())
        return f"{label}: {self.basis_other}" if self.basis_other else label

    def is_active(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.ended_at is None and (self.ends_on is None or self.ends_on >= today)


def import_storage():
    """The private storage for uploaded import files (settings.STORAGES["imports"])."""
    from django.core.files.storage import storages

    return storages["imports"]


def import_path(job: "ImportJob", filename: str) -> str:
    return f"{job.kind}/{job.pk}.{job.file_type}"


class ImportJob(PlainInput, models.Model):
    """One uploaded import file (observations or indicator values) and its check.

    The upload is checked for size and type on the request, stored on the private `imports`
    storage and checked by a worker (`scenes.tasks.check_import`): the file is parsed, every
    row validated as a dry run, and the preview (`results`) and, when every row is valid, the
    rows to save (`rows`) are written here; the file itself is removed once it has been read.
    Confirming saves the rows on the request (at most `MAX_ROWS`, validated again). The
    preview and the rows are removed at the confirm or after `ODS_IMPORT_KEEP_MINUTES`, and
    never reach the audit trail. Only the person who uploaded a file sees its job.
    """

    class Kind(models.TextChoices):
        OBSERVATIONS = "observations", _("Observations")
        INDICATORS = "indicators", _("Indicator values")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a free worker")
        RUNNING = "running", _("Being checked")
        READY = "ready", _("Checked")
        FAILED = "failed", _("Could not be read")
        IMPORTED = "imported", _("Imported")
        SPENT = "spent", _("No longer available")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    scene = models.ForeignKey(
        Scene, null=True, blank=True, on_delete=models.CASCADE, related_name="import_jobs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="sv"
    )
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    file_type = models.CharField(
        _("file type"), max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")]
    )
    file = models.FileField(
        _("file"), storage=import_storage, upload_to=import_path, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    results = models.JSONField(_("preview"), null=True, blank=True, editable=False)
    rows = models.JSONField(_("rows"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(_("handed to the workers"), null=True, blank=True)
    started_at = models.DateTimeField(_("check started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("checked"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("imported"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        triggers = [audited(exclude=("results", "rows", "progress"))]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.filename}"

    @property
    def is_checking(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def expires_at(self):
        return self.created_at + timedelta(minutes=settings.ODS_IMPORT_KEEP_MINUTES)

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def remove_file(self) -> None:
        """The uploaded file, removed (it is not needed once it has been read)."""
        if self.file.name:
            with contextlib.suppress(OSError):
                self.file.storage.delete(self.file.name)
            self.file.name = ""


# The per-scene observation rollup lives in its own module (rollups.py); imported here so
# Django registers the model with the app.
from .rollups import (  # noqa: E402, F401
    ObservationDay,
    ObservationDayCell,
    ObservationDayStale,
    ObservationDayState,
    ObservationRollup,
)
