from django.core.management.base import BaseCommand

from actors.reference import load_organisations
from sara.catalogue import sync_methods
from sara.models import Method


class Command(BaseCommand):
    help = (
        "Load the reference data: the organisations of Stockholm County and the method "
        "catalogue, bringing both up to date (safe to run again)."
    )

    def handle(self, *args, **options):
        created, updated = load_organisations()
        self.stdout.write(f"Reference organisations: {created} created, {updated} updated.")
        created, updated, kept = sync_methods(Method)
        self.stdout.write(
            f"Method catalogue: {created} created, {updated} updated, {kept} kept as edited "
            "in the platform."
        )
