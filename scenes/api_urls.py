"""URLs of the REST API, mounted by the project at /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api, api_analysis

app_name = "api"

router = DefaultRouter()
router.register("scenes", api.SceneViewSet, basename="scene")
router.register(r"scenes/(?P<scene_pk>\d+)/places", api.ScenePlaceViewSet, basename="scene-place")
router.register("observations", api.ObservationViewSet, basename="observation")

urlpatterns = [
    path(
        "scenes/<int:pk>/analysis/",
        api_analysis.SceneAnalysisView.as_view(),
        name="scene-analysis",
    ),
    path(
        "places/<int:pk>/analysis/",
        api_analysis.PlaceAnalysisView.as_view(),
        name="place-analysis",
    ),
    *router.urls,
]
