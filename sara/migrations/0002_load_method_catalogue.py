"""Seed the method catalogue from sara/catalogue.py (methods from the 2023 method brochure).

Methods are matched on their slug, so running this on a database that already has some of
them adds only the missing ones; methods edited in the platform afterwards are left alone.
"""

from django.db import migrations


def load(apps, schema_editor):
    from sara import catalogue

    Method = apps.get_model("sara", "Method")
    existing = set(Method.objects.values_list("slug", flat=True))
    Method.objects.bulk_create(
        Method(
            slug=m["slug"],
            name=m["name"],
            kind=m["kind"],
            description=m["description"],
            lead_kinds=list(m["lead_kinds"]),
            techniques=list(m["techniques"]),
            source_checked=m["source_checked"],
            source=m["source"],
        )
        for m in catalogue.METHODS
        if m["slug"] not in existing
    )


def unload(apps, schema_editor):
    from sara import catalogue

    apps.get_model("sara", "Method").objects.filter(
        slug__in=[m["slug"] for m in catalogue.METHODS], actions__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("sara", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
