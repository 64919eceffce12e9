from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path("followup/", views.section, name="scenes"),
    path("followup/<slug:name>/", views.section, name="section"),
]
