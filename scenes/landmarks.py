"""Landmarks on a scene's map (entrances, stops, a school): the form and its pages.

A landmark hangs on its scene like a sub-place: seen by whoever sees the scene
(`Landmark.objects.visible_to`), added, changed and removed by those who may edit the scene.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from leaflet.forms.widgets import LeafletWidget

from . import permissions
from .forms import ChildModelForm
from .models import Landmark


class LandmarkForm(ChildModelForm):
    parent_field = "scene"
    latitude = forms.FloatField(label=gettext_lazy("Latitude"), required=False)
    longitude = forms.FloatField(label=gettext_lazy("Longitude"), required=False)

    class Meta:
        model = Landmark
        fields = ["name", "kind", "location"]
        widgets = {"location": LeafletWidget()}

    def __init__(self, *args, scene, nonce=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].widget.csp_nonce = nonce
        self.fields["location"].required = False
        self.fields["latitude"].help_text = gettext_lazy("Or give the point by its coordinates.")
        self.instance.scene = scene

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if lat is not None and lon is not None:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self.add_error("latitude", _("That is not a coordinate."))
                return cleaned
            cleaned["location"] = Point(lon, lat, srid=4326)
            self.instance.location = cleaned["location"]
        location = cleaned.get("location")
        if location is not None and location.geom_type != "Point":
            self.add_error("location", _("A landmark is a point."))
        elif not location:
            self.add_error("location", _("Mark the landmark on the map or give coordinates."))
        return cleaned


def _form(request, scene, landmark):
    form = LandmarkForm(
        request.POST or None, instance=landmark, scene=scene, nonce=request.csp_nonce
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The landmark was saved."))
        return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#landmarks")
    return render(
        request,
        "scenes/landmark_form.html",
        {"form": form, "scene": scene, "landmark": landmark},
    )


@login_required
def landmark_create(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk, edit=True)
    return _form(request, scene, None)


@login_required
def landmark_edit(request, pk):
    landmark = permissions.get_landmark_for_user(request.user, pk, edit=True)
    return _form(request, landmark.scene, landmark)


@login_required
@require_POST
def landmark_delete(request, pk):
    landmark = permissions.get_landmark_for_user(request.user, pk, edit=True)
    scene = landmark.scene
    landmark.delete()
    messages.success(request, _("The landmark %(name)s was removed.") % {"name": landmark.name})
    return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#landmarks")
