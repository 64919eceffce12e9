"""`manage.py verify_reports`: every finished report's file present, with its SHA-256."""

from django.core.management.base import BaseCommand, CommandError

from ods_platform import backup


class Command(BaseCommand):
    help = (
        "Check that every finished report's file is on the report storage and matches the "
        "SHA-256 the database holds; exits 1 and lists them when some are missing or damaged."
    )

    def handle(self, *args, **options):
        try:
            count, problems = backup.verify()
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        for problem in problems:
            self.stdout.write(problem)
        missing = sum("missing" in p for p in problems)
        self.stdout.write(
            f"{count} finished reports: {missing} files missing, "
            f"{len(problems) - missing} not matching their SHA-256."
        )
        if problems:
            raise CommandError(f"{len(problems)} report file(s) missing or damaged.")
