"""The REST API (v1) for lägesbilder: ask for one, follow it, download it.

`POST /api/v1/reports/` (kind: lagesbild, atgardsplan or evaluation; scope, scene or
municipality, start, end) goes through the same
`services.request_report` as the page and answers 202 Accepted with the report's URL in
`Location`; the report is built by a worker. `GET` on that URL shows its status and progress
and, once it is done, the download link. Every queryset starts from `visible_to`, so a report
the caller may not see is 404, and the download is the page's own permission-checked view.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.status import HTTP_202_ACCEPTED

from actors.models import Organisation
from scenes.api import AuditedReads, model_validation_error
from scenes.models import Scene

from . import services
from .filtersets import ReportFilterSet
from .models import Kind, Report, Scope
from .permissions import municipality_choices


class ReportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This report in the API.")
    page = serializers.SerializerMethodField(help_text="This report's page in the browser.")
    download = serializers.SerializerMethodField(
        help_text="The PDF, once the status is done; null before."
    )
    start = serializers.DateField(source="period_start")
    end = serializers.DateField(source="period_end")

    class Meta:
        model = Report
        fields = [
            "id", "url", "page", "kind", "scope", "scene", "municipality", "start", "end",
            "title", "status", "stage", "progress", "error", "created_at", "finished_at",
            "sha256", "size", "download",
        ]  # fmt: skip
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, report) -> str:
        return self._absolute(reverse("reports-api:report-detail", args=[report.pk]))

    def get_page(self, report) -> str:
        return self._absolute(reverse("situation_reports:report_detail", args=[report.pk]))

    def get_download(self, report) -> str | None:
        if report.status != Report.Status.DONE:
            return None
        return self._absolute(reverse("situation_reports:report_download", args=[report.pk]))


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Kind.choices,
        default=Kind.LAGESBILD,
        help_text="lagesbild (any scope), atgardsplan (a municipality) or evaluation (the county "
        "or a municipality, for those who follow it up); anything else the caller may not ask "
        "for is answered 400.",
    )
    scope = serializers.ChoiceField(choices=Scope.choices)
    scene = serializers.PrimaryKeyRelatedField(
        queryset=Scene.objects.none(), required=False, allow_null=True
    )
    municipality = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True
    )
    start = serializers.DateField()
    end = serializers.DateField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent when the schema is generated
        user = request.user if request else None
        # Only what the caller may see can be named; anything else is "does not exist".
        self.fields["scene"].queryset = Scene.objects.visible_to(user)
        self.fields["municipality"].queryset = municipality_choices(user)

    def validate(self, data):
        if data["scope"] == Scope.SCENE and not data.get("scene"):
            raise serializers.ValidationError({"scene": "Välj scenen rapporten gäller."})
        if data["scope"] == Scope.MUNICIPALITY and not data.get("municipality"):
            raise serializers.ValidationError({"municipality": "Välj kommunen rapporten gäller."})
        return data

    def create(self, validated_data):
        try:
            return services.request_report(
                self.context["request"].user,
                scope=validated_data["scope"],
                start=validated_data["start"],
                end=validated_data["end"],
                scene=validated_data.get("scene"),
                municipality=validated_data.get("municipality"),
                kind=validated_data["kind"],
            )
        except DjangoValidationError as error:
            raise model_validation_error(error) from error


@extend_schema_view(
    list=extend_schema(summary="Reports the caller may see, newest first"),
    retrieve=extend_schema(summary="A report's status, progress and, when done, its download"),
    create=extend_schema(
        summary="Ask for a lägesbild, an åtgärdsplan or an evaluation report; it is built in "
        "the background",
        request=ReportRequestSerializer,
        responses={
            202: OpenApiResponse(
                ReportSerializer,
                description="Accepted: queued. Follow `url` (also in the Location header).",
            ),
            400: OpenApiResponse(description="The scope or period is not one you may ask for."),
        },
    ),
)
class ReportViewSet(
    AuditedReads,
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet

    def get_queryset(self):
        return Report.objects.visible_to(self.request.user).defer("snapshot")

    def create(self, request, *args, **kwargs):
        incoming = ReportRequestSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        report = incoming.save()
        body = ReportSerializer(report, context={"request": request}).data
        return Response(body, status=HTTP_202_ACCEPTED, headers={"Location": body["url"]})
