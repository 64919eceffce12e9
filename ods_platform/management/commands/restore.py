"""`manage.py restore ARCHIVE --yes`: put back the database and the report files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ods_platform import backup


class Command(BaseCommand):
    help = (
        "Replace the database (DATABASE_URL) and the report files with those of an archive "
        "written by `manage.py backup`, then check every finished report's file. Stop the "
        "web, worker and beat processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="really replace what the database holds now"
        )

    def handle(self, *args, archive, yes=False, **options):
        if not archive.is_file():
            raise CommandError(f"No such archive: {archive}")
        try:
            manifest = backup.read_manifest(archive)
        except (backup.BackupError, KeyError, ValueError) as error:
            raise CommandError(f"Not a backup archive: {error}") from error
        self.stdout.write(
            f"Archive of {manifest['database']} taken {manifest['created_at']}, "
            f"{len(manifest['reports'])} report files."
        )
        if not yes:
            raise CommandError(
                "This replaces everything in the database and the report storage. "
                "Run again with --yes to do it."
            )
        try:
            outcome = backup.restore(archive)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        for problem in outcome.problems:
            self.stderr.write(self.style.WARNING(f"warning: {problem}"))
        if outcome.problems:
            raise CommandError(f"Restored, but {len(outcome.problems)} report file(s) are wrong.")
        self.stdout.write(
            f"Restored. {outcome.reports} finished reports, every file present and matching "
            "its SHA-256. Run `manage.py migrate` if this version is newer than the archive."
        )
