"""URLs of the SARA part of the REST API, mounted by the project at /api/v1/ beside the scenes'.

A SimpleRouter: the API root at /api/v1/ belongs to scenes.api_urls' DefaultRouter.
"""

from rest_framework.routers import SimpleRouter

from . import api

app_name = "sara-api"

router = SimpleRouter()
router.register("cases", api.CaseViewSet, basename="case")
router.register("actions", api.ActionViewSet, basename="action")

urlpatterns = router.urls
