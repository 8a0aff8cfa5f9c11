import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sibao.accounts.roles import Role
from sibao.core.masking import mask_id_number, mask_name, mask_phone
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, make_user

PHONE = "13912345678"


@pytest.mark.req("PLAT-03")
def test_masks_keep_only_what_identifies_nobody():
    assert mask_id_number("410102199003071234") == "410***********1234"
    assert mask_phone(PHONE) == "139****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_phone("") == "" and mask_id_number(None) == ""


@pytest.mark.req("PLAT-03")
@given(st.text(alphabet="0123456789X", min_size=8, max_size=18))
def test_a_masked_id_number_never_shows_the_middle_digits(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[3:-4] == "*" * (len(value) - 7)


@pytest.mark.req("PLAT-03")
def test_phones_are_masked_on_screen_and_in_the_api(personas, login):
    account = make_user(Role.HQ_LEADER, OWN_COUNTY, username="wang", phone=PHONE)
    client = login(personas["own_county"])
    page = client.get(f"/accounts/users/{account.pk}/").content.decode()
    assert "139****5678" in page and PHONE not in page
    listing = client.get("/accounts/users/").content.decode()
    assert PHONE not in listing
    api = client.get(f"/api/users/{account.pk}/").json()
    assert api["phone"] == "139****5678"


@pytest.mark.req("PLAT-03")
@pytest.mark.req("ORG-05")
def test_an_unmasked_read_is_allowed_to_admins_only_and_audited(personas, login, settings):
    account = make_user(Role.HQ_LEADER, OWN_COUNTY, username="wang", phone=PHONE)
    officer = login(personas["own_county"])
    assert officer.post(f"/accounts/users/{account.pk}/reveal-phone/").status_code == 403
    assert officer.post(f"/api/users/{account.pk}/reveal-phone/").status_code == 403
    assert not AuditLog.objects.filter(action="personal_data.read").exists()

    admin = make_user(Role.SYSTEM_ADMIN, "41")
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = login(admin)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=admin)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    client.post("/accounts/two-factor/", {"token": code})
    page = client.get(f"/accounts/users/{account.pk}/").content.decode()
    assert "reveal-phone" in page and PHONE not in page
    revealed = client.post(f"/accounts/users/{account.pk}/reveal-phone/", HTTP_HX_REQUEST="true")
    assert PHONE in revealed.content.decode()
    assert client.post(f"/api/users/{account.pk}/reveal-phone/").json() == {"phone": PHONE}
    reads = AuditLog.objects.filter(action="personal_data.read", object_id=str(account.pk))
    assert reads.count() == 2 and {r.actor_id for r in reads} == {admin.pk}
    assert reads.first().region_code == OWN_COUNTY


@pytest.mark.req("EPI-01")
def test_full_width_id_numbers_and_phones_are_read_as_their_ascii_forms():
    from sibao.core.personal import normalise_id_number, normalise_phone, person_key
    from sibao.core.testing import id_number

    plain = id_number(42)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in plain)
    assert normalise_id_number(wide) == plain
    assert person_key(wide) == person_key(plain) == person_key(f" {plain[:6]} {plain[6:]} ")
    assert normalise_phone("１３８ ００１３ ８０００") == "13800138000"
    with pytest.raises(ValidationError):
        normalise_id_number(plain[:17] + "٣")  # an Arabic-Indic digit is not a check digit
