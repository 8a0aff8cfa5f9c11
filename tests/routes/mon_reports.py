"""Route expectations of the monitoring area 'reports': daily and weekly reports per HQ level, printable and Excel (MON-04).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Reports are regional figures behind the board's gate (reading early warnings over a region):
an enterprise's admin gets 403. Without parameters a report is yesterday's daily report of the
user's broadest region; another county's region answers 404 (``tests/test_mon_reports.py``).
"""

UI_BOARD = (302, 403, 200, 200, 403)

ROUTES: dict = {
    "dashboard:report_list": (None, UI_BOARD),
    "dashboard:report": (None, UI_BOARD),
}

NOT_GET: dict = {}


def build_objects(found, personas) -> dict:
    return {}
