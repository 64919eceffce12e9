from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.review_index, name="review"),
    path("audit/object/", views.object_reads, name="object_reads"),
    path("audit/user/", views.user_reads, name="user_reads"),
    path("audit/sample/", views.sample, name="sample"),
    path("audit/sample/reviewed/", views.mark_reviewed, name="mark_reviewed"),
    path("audit/unusual/", views.unusual, name="unusual"),
]
