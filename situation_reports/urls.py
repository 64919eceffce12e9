from django.urls import path

from . import views

app_name = "situation_reports"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/progress/", views.report_progress, name="report_progress"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
    path("reports/<int:pk>/again/", views.report_again, name="report_again"),
    path("reports/<int:pk>/table/", views.report_table, name="report_table"),
    path(
        "scenes/<int:scene_pk>/report-subscriptions/",
        views.subscription_add,
        name="subscription_add",
    ),
    path(
        "report-subscriptions/<int:pk>/remove/",
        views.subscription_remove,
        name="subscription_remove",
    ),
]
