from django.core.management.base import BaseCommand

from actors.reference import load_organisations


class Command(BaseCommand):
    help = "Load the reference organisations of Stockholm County (safe to run again)."

    def handle(self, *args, **options):
        created, updated = load_organisations()
        self.stdout.write(f"Reference organisations: {created} created, {updated} updated.")
