"""`manage.py backup [--output DIR]`: the database and the report files, as of one instant."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ods_platform import backup


class Command(BaseCommand):
    help = (
        "Write one archive with the database (pg_dump of DATABASE_URL) and the stored report "
        "files, consistent with each other, and check every file against its SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="directory for the archive (ODS_BACKUP_DIR)"
        )

    def handle(self, *args, output=None, **options):
        try:
            outcome = backup.take(output or settings.ODS_BACKUP_DIR)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        for problem in outcome.problems:
            self.stderr.write(self.style.WARNING(f"warning: {problem}"))
        self.stdout.write(f"Backup written: {outcome.path} ({outcome.reports} report files)")
        if outcome.problems:
            raise CommandError(
                f"{len(outcome.problems)} report file(s) missing or damaged on the storage; "
                "the archive holds everything else (see the warnings above)."
            )
