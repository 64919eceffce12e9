"""URLs of the reports part of the REST API, mounted at /api/v1/ beside the others."""

from rest_framework.routers import SimpleRouter

from . import api

app_name = "reports-api"

router = SimpleRouter()
router.register("reports", api.ReportViewSet, basename="report")

urlpatterns = router.urls
