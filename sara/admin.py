from django.contrib import admin

from .models import Action, ActionUpdate, Analysis, Assessment, Case, Method, PhaseChange


@admin.register(Method)
class MethodAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "source_checked", "is_active"]
    list_filter = ["kind", "source_checked", "is_active"]
    search_fields = ["name", "description"]


class PhaseChangeInline(admin.TabularInline):
    model = PhaseChange
    extra = 0
    readonly_fields = ["from_phase", "to_phase", "changed_by", "changed_at", "comment"]
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["title", "scene", "owner", "phase", "updated_at"]
    list_filter = ["phase"]
    search_fields = ["title", "scene__name"]
    raw_id_fields = ["scene", "places", "observations"]
    readonly_fields = ["phase"]
    inlines = [PhaseChangeInline]


class ActionUpdateInline(admin.TabularInline):
    model = ActionUpdate
    extra = 0


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["title", "case", "responsible", "status", "due_on"]
    list_filter = ["status", "responsible__kind"]
    search_fields = ["title", "case__title"]
    raw_id_fields = ["case", "analysis", "assignee"]
    inlines = [ActionUpdateInline]


admin.site.register(Analysis)
admin.site.register(Assessment)
