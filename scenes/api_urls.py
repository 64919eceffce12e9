"""URLs of the REST API, mounted by the project at /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import api

app_name = "api"

router = DefaultRouter()
router.register("scenes", api.SceneViewSet, basename="scene")
router.register(r"scenes/(?P<scene_pk>\d+)/places", api.ScenePlaceViewSet, basename="scene-place")
router.register("observations", api.ObservationViewSet, basename="observation")

urlpatterns = router.urls
