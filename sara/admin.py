"""The admin holds the method catalogue only. Cases, analyses, actions and their updates are
domain data under the secrecy rules (free text, rows kept to an organisation) and the audit
of reads: they are worked on through the platform's pages and API, never the admin."""

from django.contrib import admin

from .models import Method


@admin.register(Method)
class MethodAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "source_checked", "is_active"]
    list_filter = ["kind", "source_checked", "is_active"]
    search_fields = ["name", "description"]
