"""The REST API (v1): scenes, their sub-places, and observations.

Every queryset starts from `visible_to(request.user)`, so an object the user may not see
answers 404 as if it did not exist; an object the user sees but may not change answers 403.
Observations are validated by `Observation.full_clean()`, the same rules as the form and the
import: the API only translates the model's errors into DRF's.

Geometries are GeoJSON geometry objects in WGS 84 (longitude, latitude). Input is accepted
only as a GeoJSON Point built from two numbers; no client text reaches GEOS or GDAL.
"""

from __future__ import annotations

import json

from django.contrib.gis.geos import Point
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.fields import get_error_detail
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings

from actors.models import Organisation
from audit.reads import record_read
from ods_platform.api import JSONParser

from . import duplicates, services
from .filtersets import ObservationFilterSet, SceneFilterSet
from .models import (
    AffectedGroup,
    Observation,
    Place,
    Scene,
    SceneTeam,
    Status,
)
from .permissions import (
    can_log_observation,
    get_observation_for_user,
    get_scene_for_user,
    may_log_anywhere,
    scene_id_of,
)


class AuditedReads:
    """For viewsets: every object answered (a list's page, a retrieved object) is recorded
    as read in the audit trail, with the scenes its data belongs to."""

    def _record_reads(self, objects):
        objects = [o for o in objects if o is not None]
        if not objects:
            return
        model = type(objects[0])
        scene_ids = []
        if hasattr(model._default_manager.get_queryset(), "scene_lookup") or model is Scene:
            scene_ids = [o.pk if model is Scene else scene_id_of(o) for o in objects]
        record_read(self.request, "api", model, [o.pk for o in objects], scene_ids=scene_ids)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._record_reads(page)
        return page

    def get_object(self):
        obj = super().get_object()
        if self.request.method in SAFE_METHODS:
            self._record_reads([obj])
        return obj


def model_validation_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A model's `full_clean()` errors as DRF's, with the same keys (non-field errors under
    DRF's NON_FIELD_ERRORS_KEY): the API answers with the model's own rules and messages."""
    detail = get_error_detail(exc)
    if isinstance(detail, dict) and NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return serializers.ValidationError(detail)


# --- GeoJSON ------------------------------------------------------------------------------

GEOMETRY_SCHEMA = {
    "type": "object",
    "description": "A GeoJSON geometry object (RFC 7946) in WGS 84: longitude, latitude.",
    "properties": {
        "type": {
            "type": "string",
            "enum": ["Point", "Polygon", "MultiPolygon"],
        },
        "coordinates": {"type": "array", "items": {}},
    },
    "required": ["type", "coordinates"],
}
POINT_SCHEMA = {
    "type": "object",
    "description": "A GeoJSON Point in WGS 84: coordinates are [longitude, latitude].",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
            "example": [18.0649, 59.3326],
        },
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(GEOMETRY_SCHEMA)
class GeometryField(serializers.Field):
    """A geometry, written out as a GeoJSON geometry object. Read only."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return json.loads(value.json)


@extend_schema_field(POINT_SCHEMA)
class PointField(serializers.Field):
    """A GeoJSON Point in WGS 84, in and out.

    Only `{"type": "Point", "coordinates": [lon, lat]}` with two finite numbers in range is
    accepted; the Point is built from the numbers, so no client text reaches GEOS or GDAL.
    """

    default_error_messages = {
        "invalid": _(
            'Give the location as a GeoJSON Point: {{"type": "Point", "coordinates": '
            "[longitude, latitude]}}."
        ),
        "coordinates": _(
            "The coordinates must be two numbers: longitude (-180 to 180) and latitude (-90 to 90)."
        ),
    }

    def to_representation(self, value):
        return {"type": "Point", "coordinates": [value.x, value.y]}

    def to_internal_value(self, data):
        if (
            not isinstance(data, dict)
            or set(data) != {"type", "coordinates"}
            or data["type"] != "Point"
        ):
            self.fail("invalid")
        coordinates = data["coordinates"]
        if not isinstance(coordinates, list) or len(coordinates) != 2:
            self.fail("coordinates")
        lon, lat = coordinates
        for number, limit in ((lon, 180), (lat, 90)):
            # bool is an int; a chained comparison is False for NaN and out of range for
            # infinities and huge integers, so only finite numbers in range pass.
            if isinstance(number, bool) or not isinstance(number, int | float):
                self.fail("coordinates")
            if not -limit <= number <= limit:
                self.fail("coordinates")
        return Point(float(lon), float(lat), srid=4326)


# --- Scenes and sub-places -----------------------------------------------------------------


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]
        read_only_fields = fields


class TeamMemberSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = SceneTeam
        fields = ["organisation", "is_lead"]
        read_only_fields = fields


class StatusSerializer(serializers.Serializer):
    """A status as its stored value and its label in the request's language."""

    value = extend_schema_field({"type": "string", "enum": Status.values})(
        serializers.CharField(read_only=True)
    )
    label = serializers.CharField(read_only=True)

    def to_representation(self, instance):
        return {"value": instance, "label": str(Status(instance).label)}


class SceneSerializer(serializers.ModelSerializer):
    municipality = OrganisationRefSerializer(read_only=True)
    status = StatusSerializer(read_only=True)
    boundary = GeometryField()
    team = TeamMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Scene
        fields = [
            "id",
            "name",
            "municipality",
            "area_type",
            "place_type",
            "status",
            "description",
            "identified_on",
            "closed_on",
            "boundary",
            "team",
        ]
        read_only_fields = fields


class PlaceSerializer(serializers.ModelSerializer):
    geometry = GeometryField()

    class Meta:
        model = Place
        fields = ["id", "name", "description", "geometry"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The scenes you can see"),
    retrieve=extend_schema(summary="One scene"),
)
class SceneViewSet(AuditedReads, viewsets.ReadOnlyModelViewSet):
    serializer_class = SceneSerializer
    filterset_class = SceneFilterSet

    def get_queryset(self):
        return (
            Scene.objects.visible_to(self.request.user)
            .select_related("municipality")
            .prefetch_related(
                Prefetch("team", queryset=SceneTeam.objects.select_related("organisation"))
            )
            .order_by("name", "pk")
        )


@extend_schema_view(
    list=extend_schema(
        summary="The sub-places of a scene",
        parameters=[
            OpenApiParameter("scene_pk", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
    )
)
class ScenePlaceViewSet(AuditedReads, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PlaceSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Place.objects.none()
        # 404 when the scene does not exist or the user may not see it.
        scene = get_scene_for_user(self.request.user, self.kwargs["scene_pk"])
        return (
            Place.objects.visible_to(self.request.user).filter(scene=scene).order_by("name", "pk")
        )


# --- Observations --------------------------------------------------------------------------


class OrganisationField(serializers.PrimaryKeyRelatedField):
    """Written as an organisation id, read as {"id", "name"}."""

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return {"id": value.pk, "name": value.name}


class OrganisationFieldSchema(OpenApiSerializerFieldExtension):
    """An integer in requests and {id, name} in responses.

    With SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] the two are separate components and
    each gets its own shape; otherwise the one shared component says "either".
    """

    target_class = OrganisationField

    def map_serializer_field(self, auto_schema, direction):
        request = {"type": "integer"}
        response = auto_schema.resolve_serializer(OrganisationRefSerializer, "response").ref
        if not spectacular_settings.COMPONENT_SPLIT_REQUEST:
            schema = {"oneOf": [request, response]}
        elif direction == "request":
            schema = request
        else:
            schema = {"allOf": [response]}
        return {**schema, "description": str(self.target.help_text)}


class ObservationSerializer(serializers.ModelSerializer):
    scene = serializers.PrimaryKeyRelatedField(queryset=Scene.objects.none())
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(), required=False, allow_null=True
    )
    location = PointField()
    affected_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=AffectedGroup.choices),
        required=False,
        max_length=len(AffectedGroup.choices),
    )
    organisation = OrganisationField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text=(
            "Read: the organisation the observation was logged for, as {id, name}. Write "
            "(optional): the id of one of your organisations on the scene's team; by default "
            "your first one."
        ),
    )
    reported_by = serializers.CharField(
        source="reported_by.username", read_only=True, allow_null=True
    )
    client_uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=(
            "Optional key made by the client (a UUID). Sending the same observation again "
            "with the same key stores nothing new: the answer is 200 with the row already "
            "stored. A key already used for another user's or scene's observation is 409."
        ),
    )

    class Meta:
        model = Observation
        fields = [
            "id",
            "scene",
            "place",
            "location",
            "occurred_at",
            "category",
            "people_count",
            "affected_groups",
            "source",
            "insecurity",
            "description",
            "restricted",
            "organisation",
            "reported_by",
            "created_at",
            "client_uuid",
            "duplicate_of",
        ]
        read_only_fields = ["id", "reported_by", "created_at", "duplicate_of"]
        extra_kwargs = {
            "description": {
                "allow_null": True,
                "help_text": (
                    "Free text. null when you may not read it: it is read only by the "
                    "organisation that logged it and the organisations on the scene's team."
                ),
            },
            "restricted": {
                "help_text": (
                    "Kept to the organisation it is logged for: others do not see the "
                    "observation at all until it is shared with a recorded legal basis."
                )
            },
            "duplicate_of": {
                "help_text": (
                    "The id of the observation this one repeats (the same event logged "
                    "again), or null. A duplicate is kept and listed, and counted in no figure."
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            self.fields["scene"].queryset = Scene.objects.visible_to(user).prefetch_related("team")
            self.fields["place"].queryset = Place.objects.visible_to(user)
            self.fields["organisation"].queryset = Organisation.objects.visible_to(user)

    @property
    def _user(self):
        return self.context["request"].user

    def validate_scene(self, scene):
        # The scene is visible (the field's queryset); logging there is a permission. That
        # an archived scene takes nothing new is the logging verb's rule (400, under
        # "scene"): a repeat of an observation stored before the scene was archived is
        # still answered with the stored row.
        if not can_log_observation(self._user, scene):
            raise PermissionDenied(_("You cannot log observations at this scene."))
        return scene

    def create(self, validated_data):
        """Logged by the one logging verb, which holds every rule; its errors are answered
        with the model's field names and messages."""
        try:
            return services.log_observation(by=self._user, **validated_data)
        except DjangoValidationError as exc:
            raise model_validation_error(exc) from None
        except services.ClientKeyUsed as exc:
            raise ClientKeyConflict({"detail": exc.message, "code": "client_uuid_used"}) from None


class ClientKeyConflict(APIException):
    """409: the key is stored with an observation this is not a repeat of."""

    status_code = 409
    default_code = "client_uuid_used"


class PossibleDuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField(source="observation.occurred_at")
    distance_m = serializers.IntegerField(help_text="Metres between the two points.")
    minutes = serializers.IntegerField(
        help_text="Minutes from the new observation to this one (negative: earlier)."
    )

    def to_representation(self, candidate):
        return {
            "id": candidate.id,
            "occurred_at": serializers.DateTimeField().to_representation(
                candidate.observation.occurred_at
            ),
            "distance_m": round(candidate.distance_m),
            "minutes": round(candidate.minutes),
        }


class ObservationCreatedSerializer(ObservationSerializer):
    """A logged observation, with the observations you see that may be the same event."""

    possible_duplicates = serializers.SerializerMethodField(
        help_text=(
            "Observations you can see at the same scene, of the same category, within "
            "ODS_DUPLICATE_DISTANCE_M metres and ODS_DUPLICATE_WINDOW_MINUTES minutes: "
            "possibly the same event. Link with POST observations/{id}/duplicate/."
        )
    )

    class Meta(ObservationSerializer.Meta):
        fields = [*ObservationSerializer.Meta.fields, "possible_duplicates"]

    @extend_schema_field(PossibleDuplicateSerializer(many=True))
    def get_possible_duplicates(self, observation):
        found = duplicates.possible_duplicates(observation, self._user)
        return PossibleDuplicateSerializer(found, many=True).data


class DuplicateLinkSerializer(serializers.Serializer):
    duplicate_of = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        help_text="The id of the observation this one repeats; null: not a duplicate.",
    )


class MayLogObservations(BasePermission):
    """Reading is for every signed-in user; logging for roles that log somewhere."""

    message = _("Your role does not log observations.")

    def has_permission(self, request, view):
        # Marking a duplicate answers 404 or 403 by the observation itself.
        if getattr(view, "action", None) == "duplicate":
            return True
        return request.method in SAFE_METHODS or may_log_anywhere(request.user)


@extend_schema_view(
    list=extend_schema(summary="The observations you can see, newest first"),
    retrieve=extend_schema(summary="One observation"),
    create=extend_schema(
        summary="Log an observation",
        description=(
            "201 with the new observation; 200 with the stored one when its `client_uuid` was "
            "sent before by you at the same scene (nothing new is stored)."
        ),
        request=ObservationSerializer,
        responses={201: ObservationCreatedSerializer, 200: ObservationCreatedSerializer},
    ),
)
class ObservationViewSet(
    AuditedReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ObservationSerializer
    filterset_class = ObservationFilterSet
    # A location is a GeoJSON object, which only a JSON body can carry.
    parser_classes = [JSONParser]
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, MayLogObservations]

    def create(self, request, *args, **kwargs):
        """As DRF's, but a repeat of a stored `client_uuid` answers 200 (nothing created)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        created = not serializer.instance.replayed
        if not created:
            self._record_reads([serializer.instance])
        return Response(
            serializer.data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers=self.get_success_headers(serializer.data),
        )

    def get_queryset(self):
        return (
            Observation.objects.visible_to(self.request.user)
            .select_related("organisation", "reported_by")
            .order_by("-occurred_at", "-pk")
        )

    def get_serializer_class(self):
        return ObservationCreatedSerializer if self.action == "create" else ObservationSerializer

    @extend_schema(
        summary="Mark an observation as a duplicate of another, or as none",
        request=DuplicateLinkSerializer,
        responses=ObservationSerializer,
    )
    @action(detail=True, methods=["post"], url_path="duplicate")
    def duplicate(self, request, pk=None):
        """Staff of the organisation that logged it and the scene's coordinators link an
        observation to the one it repeats (both visible to them; else 404); 403 for others."""
        observation = get_observation_for_user(request.user, pk, edit=True)
        link = DuplicateLinkSerializer(data=request.data)
        link.is_valid(raise_exception=True)
        original_id = link.validated_data["duplicate_of"]
        try:
            if original_id is None:
                observation = duplicates.unlink_duplicate(observation, by=request.user)
            else:
                original = get_observation_for_user(request.user, original_id)
                observation = duplicates.link_duplicate(observation, original, by=request.user)
        except DjangoValidationError as exc:
            raise model_validation_error(exc) from None
        shown = self.get_queryset().get(pk=observation.pk)
        return Response(ObservationSerializer(shown, context={"request": request}).data)
