"""Scenes in the admin, for superusers only: their structured fields, read-only, and the two
things the platform's pages also do, through the same verbs: archive a scene, and remove one
created by mistake (the admin's confirmation lists what goes with it and what keeps it, as
`scenes.scene_removal.removal_of` counts them). Observations, notes and everything else on a scene
are domain data under the secrecy rules and are worked on through the platform's pages."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ods_platform import scene_removal

from . import services
from .models import Scene


@admin.register(Scene)
class SceneAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "status", "place_type", "identified_on", "closed_on"]
    list_filter = ["status", "place_type", "area_type"]
    search_fields = ["name", "municipality__name"]
    fields = readonly_fields = (
        "name", "municipality", "status", "area_type", "place_type", "identified_on", "closed_on",
    )  # fmt: skip
    actions = ["archive_scenes", "delete_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("municipality")

    # Superusers only, and nothing is edited here but by the two verbs.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_archive_permission(self, request):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Archive the selected scenes"), permissions=["archive"])
    def archive_scenes(self, request, queryset):
        done = 0
        for scene in queryset:
            try:
                services.archive_scene(scene, by=request.user)
            except ValidationError as refused:
                self.message_user(request, f"{scene}: {' '.join(refused.messages)}", messages.INFO)
            else:
                done += 1
        self.message_user(
            request, gettext("%(n)d scenes were archived.") % {"n": done}, messages.SUCCESS
        )

    def get_deleted_objects(self, objs, request):
        """The confirmation's summary from `removal_of` (counts, not every row), and what
        keeps a scene as "protected"."""
        deleted, counts, protected = [], {}, []
        for scene in objs:
            removal = scene_removal.removal_of(scene)
            deleted.append(str(scene))
            for label, n in removal.goes:
                counts[str(label)] = counts.get(str(label), 0) + n
            protected += [f"{scene}: {n} {label}" for label, n in removal.blocks]
        counts[str(Scene._meta.verbose_name_plural)] = len(deleted)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        scene_removal.delete_scene(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for scene in queryset:
            scene_removal.delete_scene(scene, by=request.user)
