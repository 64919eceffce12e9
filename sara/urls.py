from django.urls import path

from . import views

app_name = "sara"

urlpatterns = [
    path("scenes/<int:scene_pk>/cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/phase/", views.case_phase, name="case_phase"),
    path("cases/<int:pk>/analyses/", views.analysis_add, name="analysis_add"),
    path("cases/<int:pk>/actions/", views.action_add, name="action_add"),
    path("cases/<int:pk>/assessments/", views.assessment_add, name="assessment_add"),
    path("cases/<int:pk>/observations/", views.case_link_observations, name="case_link"),
    path("cases/<int:pk>/effect/", views.case_effect, name="case_effect"),
    path("scenes/<int:scene_pk>/effect/", views.scene_effect, name="scene_effect"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("methods/", views.method_list, name="method_list"),
    path("methods/new/", views.method_form, name="method_create"),
    path("methods/<int:pk>/", views.method_detail, name="method_detail"),
    path("methods/<int:pk>/edit/", views.method_form, name="method_edit"),
]
