from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from actors import demo
from followup import demo as followup_demo
from sara import demo as sara_demo
from scenes import demo as scenes_demo


class Command(BaseCommand):
    help = "Load the fictional demo data set (safe to run again). Never in production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-logins", action="store_true", help="Print the demo log-ins afterwards."
        )

    def handle(self, *args, **options):
        if not settings.ODS_DEMO_DATA:
            raise CommandError(
                "Demo data is switched off (ODS_DEMO_DATA is not set); it is never loaded "
                "in production."
            )
        try:
            new_users = demo.load_personas()
        except demo.MissingReferenceData as exc:
            raise CommandError(str(exc)) from exc
        new_scenes = scenes_demo.load_scenes()
        new_cases = sara_demo.load_cases()
        self.stdout.write(
            f"Demo data: {new_users} new personas, {new_scenes} new scenes, "
            f"{new_cases} new SARA cases."
        )
        followup = followup_demo.load_followup()
        # The county's evaluation report for the last ended quarter, as beat makes it (once):
        # the worker builds it when the platform runs.
        from situation_reports.tasks import create_quarterly_evaluation_report

        reports = create_quarterly_evaluation_report()
        self.stdout.write(
            f"Follow-up demo: {followup['indicator_values']} new indicator values, "
            f"{followup['effect_cases']} new effect measurement, {reports} new quarterly "
            "evaluation report."
        )
        if options["print_logins"]:
            self.stdout.write(f"\nDemo log-ins (password: {settings.ODS_DEMO_PASSWORD}):")
            for username, what in demo.persona_logins():
                self.stdout.write(f"  {username:<22} {what}")
