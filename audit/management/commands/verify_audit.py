from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain and name the first entry that was changed, removed "
        "or put in out of order. Exit status 1 when the chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-head",
            metavar="SEQ:HASH",
            help="A head recorded earlier and kept outside the database, e.g. 1234:ab12...",
        )

    def handle(self, *args, **options):
        expected = None
        if options["expect_head"]:
            seq, _sep, digest = options["expect_head"].partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise CommandError("Give the head as SEQ:HASH (a number and 64 hex digits).")
            expected = (int(seq), digest.lower())
        verdict = verify(expected)
        if not verdict.intact:
            raise CommandError(verdict.describe())
        self.stdout.write(verdict.describe())
