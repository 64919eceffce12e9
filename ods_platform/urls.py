"""Top-level URL configuration."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import export_views, views

admin.site.site_header = "ODS-plattformen"
admin.site.site_title = "ODS-plattformen"

# Error pages in the platform's layout; under /api/ they are JSON with the request id.
handler400 = "ods_platform.errors.bad_request"
handler403 = "ods_platform.errors.permission_denied"
handler404 = "ods_platform.errors.page_not_found"
handler500 = "ods_platform.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("exports/<uuid:pk>/", export_views.export_job, name="export_job"),
    path("exports/<uuid:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<uuid:pk>/file/", export_views.export_download, name="export_download"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("actors/", include("actors.urls")),
    path("", include("scenes.urls")),
    path("sara/", include("sara.urls")),
    path("", include("followup.urls")),
    path("", include("situation_reports.urls")),
    path("", include("audit.urls")),
    # The API; DRF's browsable pages at /api/v1/ are its documentation in the browser.
    path("api/v1/", include("scenes.api_urls")),
    path("api/v1/", include("sara.api_urls")),
    path("api/v1/", include("situation_reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
