"""Builders for the roster tests: import files (xlsx and csv, any encoding), ID numbers of
every kind, and a health-office client that has passed its second factor."""

import csv
import io

from openpyxl import Workbook

from sibao.accounts.roles import Role
from sibao.core.personal import id_check_digit
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.epidemic.imports_roster import HEADERS

FIELDS = [
    "id_number",
    "name",
    "phone",
    "category",
    "post_class",
    "team",
    "zone",
    "dormitory",
    "joined_on",
    "vaccine_doses",
]


def valid_id(serial: int, region: str = "410102", born: str = "19880315") -> str:
    body = f"{region}{born}{serial % 1000:03d}"
    return body + id_check_digit(body)


def bad_checksum(id_number: str) -> str:
    """The same number with a wrong check digit."""
    digits = "0123456789X"
    wrong = digits[(digits.index(id_number[-1]) + 1) % len(digits)]
    return id_number[:-1] + wrong


def row(serial: int = 1, **values) -> dict:
    fields = {
        "id_number": valid_id(serial),
        "name": f"导入员工{serial}",
        "phone": f"1390000{serial:04d}",
        "category": "员工",
        "post_class": "普通岗位",
        "team": "一班",
        "zone": "生产区",
        "dormitory": "3号楼201",
        "joined_on": "",
        "vaccine_doses": "2",
    }
    fields.update(values)
    return fields


def table(rows, headers=None) -> list[list]:
    headers = list(HEADERS) if headers is None else headers
    return [headers, *([r.get(f, "") for f in FIELDS][: len(headers)] for r in rows)]


def xlsx(rows, headers=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in table(rows, headers):
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8", headers=None) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table(rows, headers))
    return buffer.getvalue().encode(encoding)


def health_office(login, region: str = OWN_COUNTY, username: str = "health"):
    """A health-office user of ``region`` signed in and past the second factor (MLPS level 3)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user(Role.HEALTH_OFFICE, region, username=username)
    client = login(user)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    client.post("/accounts/two-factor/", {"token": code})
    return user, client
