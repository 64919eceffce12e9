from django.urls import path

from . import basemap, imports, indicators, landmarks, offline, views

app_name = "scenes"

urlpatterns = [
    path("scenes/", views.scene_list, name="scene_list"),
    path("scenes/map.json", views.scene_map_data, name="scene_map_data"),
    path("scenes/new/", views.scene_create, name="scene_create"),
    path("scenes/<int:pk>/", views.scene_detail, name="scene_detail"),
    path("scenes/<int:pk>/edit/", views.scene_edit, name="scene_edit"),
    path("scenes/<int:pk>/archive/", views.scene_archive, name="scene_archive"),
    path("scenes/<int:pk>/restore/", views.scene_restore, name="scene_restore"),
    path("scenes/<int:pk>/delete/", views.scene_delete, name="scene_delete"),
    path("scenes/<int:pk>/map.json", views.scene_observation_map, name="scene_observation_map"),
    path("scenes/<int:pk>/team/add/", views.team_add, name="team_add"),
    path("scenes/<int:pk>/team/<int:org_pk>/remove/", views.team_remove, name="team_remove"),
    path("scenes/<int:pk>/team/<int:org_pk>/lead/", views.team_lead, name="team_lead"),
    path("scenes/<int:pk>/symptoms/new/", views.assessment_create, name="assessment_create"),
    path("scenes/<int:pk>/places/new/", views.place_create, name="place_create"),
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("places/<int:pk>/edit/", views.place_edit, name="place_edit"),
    path("scenes/<int:pk>/landmarks/new/", landmarks.landmark_create, name="landmark_create"),
    path("landmarks/<int:pk>/edit/", landmarks.landmark_edit, name="landmark_edit"),
    path("landmarks/<int:pk>/delete/", landmarks.landmark_delete, name="landmark_delete"),
    path("basemap.pmtiles", basemap.basemap, name="basemap"),
    path("scenes/<int:pk>/observations/", views.observation_list, name="observation_list"),
    path(
        "scenes/<int:pk>/observations/import/",
        imports.observation_import,
        name="observation_import",
    ),
    path(
        "scenes/<int:pk>/observations/import/<uuid:job>/",
        imports.observation_import_job,
        name="observation_import_job",
    ),
    path(
        "scenes/<int:pk>/observations/import/<uuid:job>/progress/",
        imports.observation_import_progress,
        name="observation_import_progress",
    ),
    path("scenes/<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/", indicators.indicator_list, name="indicator_list"),
    path("indicators/import/", indicators.indicator_import, name="indicator_import"),
    path(
        "indicators/import/<uuid:job>/",
        indicators.indicator_import_job,
        name="indicator_import_job",
    ),
    path(
        "indicators/import/<uuid:job>/progress/",
        indicators.indicator_import_progress,
        name="indicator_import_progress",
    ),
    path(
        "indicators/new/", views.municipality_indicator_create, name="municipality_indicator_create"
    ),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("observations/new/", views.observation_create, name="observation_create"),
    path("observations/outbox/", offline.observation_outbox, name="observation_outbox"),
    path("observations/outbox/session/", offline.outbox_session, name="outbox_session"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("observations/<int:pk>/", views.observation_detail, name="observation_detail"),
    path(
        "observations/<int:pk>/duplicate/",
        views.observation_duplicate,
        name="observation_duplicate",
    ),
    path(
        "scenes/<int:pk>/observations/not-duplicates/",
        views.duplicate_dismiss,
        name="duplicate_dismiss",
    ),
    path("shares/new/<str:kind>/<int:pk>/", views.share_create, name="share_create"),
    path("shares/<int:pk>/end/", views.share_end, name="share_end"),
]
