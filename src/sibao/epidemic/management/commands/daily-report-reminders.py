"""``sibao daily-report-reminders [--date YYYY-MM-DD]``: remind the admins of every whitelisted
unit that missed a day's health report (EPI-11), once that day's deadline has passed.

Idempotent per unit and date: a second run (or a second scheduler host) reminds nobody twice.
Without ``--date``, the latest day whose deadline has passed (yesterday after the deadline
time, the day before otherwise)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sibao.epidemic import actions, queries_units


class Command(BaseCommand):
    help = "Remind units that missed a day's health report (after that day's deadline)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the report date, YYYY-MM-DD (default: see above)")

    def handle(self, *args, **options):
        now = timezone.now()
        if options["date"]:
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"not a date: {options['date']!r}") from None
        else:
            day = queries_units.province_today(now) - datetime.timedelta(days=1)
            if not queries_units.deadline_passed(day, now=now):
                day -= datetime.timedelta(days=1)
        deadline = queries_units.daily_report_deadline(day)
        if now < deadline:
            self.stdout.write(
                f"{day.isoformat()}: deadline {timezone.localtime(deadline):%Y-%m-%d %H:%M} "
                "not passed yet; nobody reminded"
            )
            return
        counts = actions.send_daily_report_reminders(day, now=now)
        self.stdout.write(
            f"{day.isoformat()}: missing={counts['missing']} reminded={counts['reminded']} "
            f"already reminded={counts['skipped']}"
        )
