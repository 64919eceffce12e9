"""The REST API (v1) for SARA work: cases (read only) and actions with their progress updates.

The rules are the pages' rules. Every queryset starts from `visible_to(request.user)`, so a
case or action the user may not see answers 404 as if it did not exist. An action is updated
only by those `can_update_action` allows (staff of the responsible organisation with a working
role, and the case's coordinators); anyone else who sees it gets 403. An update is recorded
only through `services.post_action_update`, which validates it with `ActionUpdate.full_clean()`;
the API translates the model's errors into DRF's, under the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action as route
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.status import HTTP_201_CREATED

from ods_platform.api import JSONParser
from scenes.api import AuditedReads, OrganisationRefSerializer, model_validation_error
from scenes.models import Scene

from . import services
from .filtersets import ActionFilterSet, CaseFilterSet
from .models import Action, ActionStatus, ActionUpdate, Case, Method, Phase
from .permissions import can_update_action

# --- Cases --------------------------------------------------------------------------------


class SceneRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Scene
        fields = ["id", "name"]
        read_only_fields = fields


class PhaseSerializer(serializers.Serializer):
    """A phase as its stored value and its label in the request's language."""

    value = extend_schema_field({"type": "string", "enum": Phase.values})(
        serializers.CharField(read_only=True)
    )
    label = serializers.CharField(read_only=True)

    def to_representation(self, instance):
        return {"value": instance, "label": str(Phase(instance).label)}


class GoalSerializer(serializers.ModelSerializer):
    """The case's measurable goal: an indicator, where it starts, where it should be, by when."""

    indicator = serializers.CharField(source="goal_indicator", read_only=True)
    baseline = serializers.DecimalField(
        source="goal_baseline", max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    target = serializers.DecimalField(
        source="goal_target", max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    date = serializers.DateField(source="goal_date", read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = ["indicator", "baseline", "target", "date"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    scene = SceneRefSerializer(read_only=True)
    owner = OrganisationRefSerializer(read_only=True)
    goal = GoalSerializer(source="*", read_only=True)
    phase = PhaseSerializer(read_only=True)
    places = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "scene",
            "owner",
            "title",
            "problem_statement",
            "goal",
            "phase",
            "places",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The SARA cases you can see, last updated first"),
    retrieve=extend_schema(summary="One SARA case"),
)
class CaseViewSet(AuditedReads, viewsets.ReadOnlyModelViewSet):
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet

    def get_queryset(self):
        return (
            Case.objects.visible_to(self.request.user)
            .select_related("scene", "owner")
            .prefetch_related("places")
            .order_by("-updated_at", "-pk")
        )


# --- Actions ------------------------------------------------------------------------------


class CaseRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "title"]
        read_only_fields = fields


class MethodRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Method
        fields = ["id", "name"]
        read_only_fields = fields


class ActionUpdateSerializer(serializers.ModelSerializer):
    written_by = serializers.CharField(
        source="written_by.username", read_only=True, allow_null=True
    )
    status = serializers.ChoiceField(
        choices=ActionStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="The status the update set; empty when it did not change the status.",
    )

    class Meta:
        model = ActionUpdate
        fields = ["written_at", "written_by", "text", "status", "output_achieved", "restricted"]
        read_only_fields = fields
        extra_kwargs = {
            "text": {
                "allow_null": True,
                "help_text": (
                    "Free text. null when you may not read it: it is read only by the "
                    "organisation that wrote it and the organisations on the scene's team."
                ),
            }
        }


class ActionSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer(read_only=True)
    method = MethodRefSerializer(read_only=True, allow_null=True)
    responsible = OrganisationRefSerializer(read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ActionStatus.choices, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    updates = ActionUpdateSerializer(many=True, read_only=True, help_text="Newest first.")

    class Meta:
        model = Action
        fields = [
            "id",
            "case",
            "method",
            "title",
            "description",
            "responsible",
            "assignee",
            "status",
            "start_on",
            "due_on",
            "completed_on",
            "output_unit",
            "output_target",
            "output_achieved",
            "is_overdue",
            "updates",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "description": {
                "allow_null": True,
                "help_text": (
                    "Free text. null when you may not read it: it is read only by the "
                    "organisation that wrote it and the organisations on the scene's team."
                ),
            }
        }


class ActionProgressSerializer(serializers.Serializer):
    """Progress on an action: a new status, the output achieved so far, and what happened.

    These three are all a client may send; any other field (the title, the responsible
    organisation, the dates...) is refused by name. The update is recorded as an ActionUpdate.
    """

    status = serializers.ChoiceField(
        choices=ActionStatus.choices,
        required=False,
        allow_blank=True,
        help_text="The new status; empty or left out: unchanged.",
    )
    output_achieved = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="The output achieved so far, in the action's output unit.",
    )
    text = serializers.CharField(
        required=False, allow_blank=True, help_text="What happened, as the update's text."
    )
    restricted = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep the update to your organisation until it is shared with a legal basis.",
    )

    default_error_messages = {
        "not_writable": _(
            "This field cannot be changed here; an update sets only status, "
            "output_achieved, text and restricted."
        ),
    }

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            others = sorted(set(data) - set(self.fields))
            if others:
                message = self.error_messages["not_writable"]
                raise serializers.ValidationError({name: [message] for name in others})
        return super().to_internal_value(data)

    def save(self, *, action: Action, by) -> ActionUpdate:
        """Record the validated update through the service; model errors become 400."""
        data = self.validated_data
        try:
            return services.post_action_update(
                action,
                by=by,
                text=data.get("text", ""),
                status=data.get("status", ""),
                output_achieved=data.get("output_achieved"),
                restricted=data.get("restricted", False),
            )
        except DjangoValidationError as exc:
            raise model_validation_error(exc) from None


class MayUpdateAction(BasePermission):
    """Reading is for everyone who sees the action; updating is `can_update_action`."""

    message = _(
        "Only staff of the responsible organisation and the case's coordinators update this action."
    )

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_update_action(request.user, obj)


WRITE_ACTIONS = ("partial_update", "updates")


@extend_schema_view(
    list=extend_schema(summary="The actions you can see, by due date"),
    retrieve=extend_schema(summary="One action with its updates, newest first"),
    partial_update=extend_schema(
        summary="Update an action's progress",
        description=(
            "Sets the status and/or the output achieved, with an optional text, and records "
            "this as an update. Only `status`, `output_achieved` and `text` are accepted."
        ),
        request=ActionProgressSerializer,
        responses=ActionSerializer,
    ),
    updates=extend_schema(
        summary="Post a progress update on an action",
        request=ActionProgressSerializer,
        responses={201: ActionUpdateSerializer},
    ),
)
class ActionViewSet(
    AuditedReads, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    filterset_class = ActionFilterSet
    # An update is a small JSON document; no form fields slip into the strict field check.
    parser_classes = [JSONParser]
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, MayUpdateAction]

    def get_serializer_class(self):
        if self.action in WRITE_ACTIONS:
            return ActionProgressSerializer
        return ActionSerializer

    def get_queryset(self):
        if self.action in WRITE_ACTIONS:
            # Enough for the permission check; the service locks and reloads the row.
            return Action.objects.visible_to(self.request.user).select_related("case")
        return self._readable()

    def _readable(self):
        updates = (
            ActionUpdate.objects.visible_to(self.request.user)
            .select_related("written_by")
            .order_by("-written_at", "-pk")
        )
        return (
            Action.objects.visible_to(self.request.user)
            .select_related("case", "method", "responsible", "assignee")
            .prefetch_related(Prefetch("updates", queryset=updates))
            .order_by("due_on", "pk")
        )

    def _record(self, request) -> ActionUpdate:
        # 404 when invisible, then 403 when read-only, and only then is the body examined.
        action = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.save(action=action, by=request.user)

    def partial_update(self, request, *args, **kwargs):
        update = self._record(request)
        action = self._readable().get(pk=update.action_id)
        return Response(ActionSerializer(action, context=self.get_serializer_context()).data)

    @route(detail=True, methods=["post"])
    def updates(self, request, *args, **kwargs):
        update = self._record(request)
        data = ActionUpdateSerializer(update, context=self.get_serializer_context()).data
        return Response(data, status=HTTP_201_CREATED)
