import pytest


@pytest.mark.req("ORG-04")
def test_an_official_sees_only_their_county(personas, login, own_enterprise, other_enterprise):
    client = login(personas["own_county"])
    page = client.get("/enterprises/").content.decode()
    assert own_enterprise.name in page
    assert other_enterprise.name not in page
    assert client.get(f"/enterprises/{other_enterprise.pk}/").status_code == 404
