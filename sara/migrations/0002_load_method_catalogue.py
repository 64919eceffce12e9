"""Seed the method catalogue from sara/catalogue.py (methods from the 2023 method brochure).

Methods are matched on their slug, so running this on a database that already has some of
them adds only the missing ones; methods edited in the platform afterwards are left alone.
"""

from django.db import migrations


def load(apps, schema_editor):
    from sara import catalogue

    catalogue.seed_methods(apps.get_model("sara", "Method"))


def unload(apps, schema_editor):
    from sara import catalogue

    apps.get_model("sara", "Method").objects.filter(
        slug__in=[m["slug"] for m in catalogue.METHODS], actions__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("sara", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
