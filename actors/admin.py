from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, Organisation, SignOn, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]


class SignOnInline(admin.StackedInline):
    model = SignOn
    extra = 0
    fields = ["kind", "app", "tenant", "email_domains", "trust_idp_mfa", "is_active"]


@admin.register(SignOn)
class SignOnAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "app", "email_domains", "trust_idp_mfa", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["organisation__name", "email_domains"]
    autocomplete_fields = ["organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality_code", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "municipality_code", "slug"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline, SignOnInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
