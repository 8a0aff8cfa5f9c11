"""WL-08: supply-chain links between units (added one by one or imported), proposals for the
non-whitelisted partners of a unit that joins the whitelist, and the emergency view of units
whose suppliers lie in controlled regions."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook, load_workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, credit_code, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import InclusionProposal, SupplyLink

pytestmark = pytest.mark.req("WL-08")


@pytest.fixture
def department(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.fixture
def far_supplier(db):
    """A supplier in another city: outside every own-county user's jurisdiction."""
    return make_enterprise(region=OTHER_COUNTY, name="龙亭钢材供应有限公司")


def upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["单位统一社会信用代码", "关联单位统一社会信用代码", "关系", "产品或服务"]


def test_a_department_registers_a_supplier_from_another_city_by_its_credit_code(
    department, own_enterprise, far_supplier
):
    link = actions.add_supply_link(
        own_enterprise, far_supplier.credit_code, kind="supplier", products="钢材", actor=department
    )
    assert (link.enterprise, link.partner, link.kind) == (own_enterprise, far_supplier, "supplier")
    assert (link.region_code, link.partner_region_code) == (OWN_COUNTY, OTHER_COUNTY)
    assert AuditLog.objects.filter(action="supply_link.add", object_id=str(link.pk)).exists()


def test_bad_codes_self_links_duplicates_and_unknown_partners_are_refused(
    department, own_enterprise, far_supplier
):
    actions.add_supply_link(own_enterprise, far_supplier, kind="supplier", actor=department)
    unknown = credit_code(987654, OWN_COUNTY)  # valid, but no unit has it
    cases = {
        "91410100MA0000000X": "无效",
        own_enterprise.credit_code: "自己",
        far_supplier.credit_code: "重复",
        unknown: "未登记",
    }
    for code, words in cases.items():
        with pytest.raises(ValidationError) as error:
            actions.add_supply_link(own_enterprise, code, kind="supplier", actor=department)
        assert words in str(error.value), (code, error.value)
    with pytest.raises(ValidationError):
        actions.add_supply_link(own_enterprise, far_supplier, kind="partner", actor=department)
    assert SupplyLink.objects.count() == 1


def test_a_user_who_does_not_see_the_unit_cannot_register_its_links(
    personas, own_enterprise, far_supplier
):
    with pytest.raises(PermissionDenied):
        actions.add_supply_link(
            own_enterprise, far_supplier, kind="supplier", actor=personas["other_county"]
        )
    assert not SupplyLink.objects.exists()


def test_the_units_admin_adds_a_link_on_the_enterprise_page_and_sees_refusals_in_chinese(
    personas, login, own_enterprise, far_supplier
):
    client = login(personas["enterprise_admin"])
    url = f"/enterprises/{own_enterprise.pk}/chain/links/add/"
    refused = client.post(url, {"partner": own_enterprise.credit_code, "kind": "customer"})
    assert refused.status_code == 200
    assert "不能把本单位登记为自己的关联单位" in refused.content.decode()
    response = client.post(
        url, {"partner": far_supplier.credit_code, "kind": "logistics", "products": "干线运输"}
    )
    assert response.status_code == 302
    link = SupplyLink.objects.get()
    assert (link.partner, link.kind, link.created_by) == (
        far_supplier,
        "logistics",
        personas["enterprise_admin"],
    )
    panel = client.get(f"/enterprises/{own_enterprise.pk}/chain/").content.decode()
    assert far_supplier.name in panel and "干线运输" in panel


def test_only_the_owning_side_removes_a_link(personas, login, own_enterprise, far_supplier):
    link = actions.add_supply_link(
        own_enterprise, far_supplier, kind="supplier", actor=personas["own_county"]
    )
    # the partner's jurisdiction sees the link but did not register it
    far_office = personas["other_county"]
    with pytest.raises(PermissionDenied):
        actions.remove_supply_link(link, actor=far_office)
    response = login(far_office).post(f"/enterprises/chain/links/{link.pk}/delete/")
    assert response.status_code == 403
    response = login(personas["enterprise_admin"]).post(
        f"/enterprises/chain/links/{link.pk}/delete/"
    )
    assert response.status_code == 302 and not SupplyLink.objects.exists()
    assert AuditLog.objects.filter(action="supply_link.remove").exists()


def test_the_downloaded_template_filled_in_imports_every_row(
    department, login, own_enterprise, far_supplier
):
    client = login(department)
    template = client.get("/enterprises/chain/links/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    carrier = make_enterprise(region=OWN_COUNTY, industry="transport")
    sheet.append([own_enterprise.credit_code, far_supplier.credit_code, "供应商", "钢材"])
    sheet.append([own_enterprise.credit_code, carrier.credit_code, "物流服务商", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        "/enterprises/chain/links/import/", {"file": upload("links.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert set(SupplyLink.objects.values_list("partner_id", "kind")) == {
        (far_supplier.pk, "supplier"),
        (carrier.pk, "logistics"),
    }


def test_a_gbk_csv_is_read(department, login, own_enterprise, far_supplier):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow([own_enterprise.credit_code, far_supplier.credit_code, "客户", "面粉"])
    data = buffer.getvalue().encode("gbk")
    response = login(department).post(
        "/enterprises/chain/links/import/", {"file": upload("links.csv", data)}
    )
    assert response.status_code == 302
    link = SupplyLink.objects.get()
    assert (link.kind, link.products) == ("customer", "面粉")


def test_a_file_with_wrong_rows_imports_nothing_and_names_each_wrong_row(
    department, login, own_enterprise, far_supplier, other_enterprise
):
    good = make_enterprise(region=OWN_COUNTY, industry="transport")
    rows = [
        HEADER,
        [own_enterprise.credit_code, good.credit_code, "物流服务商", ""],  # row 2: fine
        [own_enterprise.credit_code, "91410100MA0000000X", "供应商", ""],  # 3: bad code
        [own_enterprise.credit_code, own_enterprise.credit_code, "客户", ""],  # 4: self
        [own_enterprise.credit_code, good.credit_code, "物流服务商", ""],  # 5: duplicate of 2
        [own_enterprise.credit_code, "91410100MA00000011", "供应商", ""],  # 6: bad/unknown
        [other_enterprise.credit_code, far_supplier.credit_code, "供应商", ""],  # 7: not ours
        [own_enterprise.credit_code, far_supplier.credit_code, "合作伙伴", ""],  # 8: relation
    ]
    response = login(department).post(
        "/enterprises/chain/links/import/", {"file": upload("links.xlsx", xlsx(rows))}
    )
    assert response.status_code == 200
    errors = dict(response.context["result"].errors)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "自己" in errors[4] and "重复" in errors[5] and "辖区" in errors[7]
    assert "关系" in errors[8]
    assert not SupplyLink.objects.exists()
    assert "未导入任何数据" in response.content.decode()


def test_a_file_without_the_template_columns_is_refused(department, login):
    response = login(department).post(
        "/enterprises/chain/links/import/",
        {"file": upload("links.csv", "名称,地址\n甲,乙\n".encode())},
    )
    assert response.status_code == 200
    assert "表头缺少列" in response.content.decode()


# --- proposals ---------------------------------------------------------------------------------


@pytest.fixture
def linked(department, own_enterprise):
    """The own enterprise with two suppliers: one not whitelisted, one already listed."""
    plain = make_enterprise(region=OWN_COUNTY, name="中原配套零件有限公司")
    listed = make_enterprise(region=OWN_COUNTY, name="中原已入选有限公司")
    actions.add_supply_link(own_enterprise, plain, kind="supplier", actor=department)
    actions.add_supply_link(own_enterprise, listed, kind="supplier", actor=department)
    actions.add_unit(listed, actor=department, tier="county", reason="重点配套")
    return plain, listed


def test_admitting_a_unit_proposes_its_partners_that_are_not_whitelisted(
    department, own_enterprise, linked, django_capture_on_commit_callbacks
):
    plain, listed = linked
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_unit(own_enterprise, actor=department, tier="county", reason="产业链龙头")
    proposal = InclusionProposal.objects.get()
    assert (proposal.enterprise, proposal.because_of, proposal.status) == (
        plain,
        own_enterprise,
        "open",
    )


@pytest.fixture
def proposal(department, own_enterprise, linked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_unit(own_enterprise, actor=department, tier="county", reason="产业链龙头")
    return InclusionProposal.objects.get()


def test_the_department_sees_proposals_of_its_jurisdiction_only(
    personas, department, login, proposal
):
    mine = login(department).get("/enterprises/chain/proposals/")
    assert proposal.enterprise.name in mine.content.decode()
    theirs = login(personas["other_county"]).get("/enterprises/chain/proposals/")
    assert theirs.status_code == 200 and proposal.enterprise.name not in theirs.content.decode()
    assert (
        login(personas["enterprise_admin"]).get("/enterprises/chain/proposals/").status_code == 403
    )


def test_inviting_a_proposed_unit_tells_its_admins_to_apply(
    department, login, proposal, django_capture_on_commit_callbacks
):
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=proposal.enterprise)
    client = login(department)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/enterprises/chain/proposals/{proposal.pk}/invite/")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "invited" and proposal.handled_by == department
    message = Notification.objects.get(recipient=admin)
    assert "申报" in message.title and proposal.because_of.name in message.body
    again = client.post(f"/enterprises/chain/proposals/{proposal.pk}/invite/", follow=True)
    assert "已处理" in again.content.decode()


def test_dismissing_a_proposal_needs_a_note(department, login, proposal):
    client = login(department)
    refused = client.post(f"/enterprises/chain/proposals/{proposal.pk}/dismiss/", follow=True)
    assert "请填写不予纳入的理由" in refused.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "open"
    client.post(f"/enterprises/chain/proposals/{proposal.pk}/dismiss/", {"note": "非关键配套"})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.note) == ("dismissed", "非关键配套")


def test_the_hq_office_reads_proposals_but_leaves_them_to_the_department(personas, login, proposal):
    client = login(personas["own_county"])
    assert client.get("/enterprises/chain/proposals/").status_code == 200
    response = client.post(f"/enterprises/chain/proposals/{proposal.pk}/invite/")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        actions.invite_proposal(proposal, actor=personas["own_county"])


def test_proposals_through_the_api(department, login, proposal):
    client = login(department)
    listed = client.get("/api/proposals/", {"status": "open"}).json()
    assert [row["id"] for row in listed["results"]] == [proposal.pk]
    refused = client.post(
        f"/api/proposals/{proposal.pk}/dismiss/", {}, content_type="application/json"
    )
    assert refused.status_code == 400 and "note" in refused.json()
    done = client.post(
        f"/api/proposals/{proposal.pk}/invite/",
        {"note": "请尽快申报"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "invited"


# --- emergency view ----------------------------------------------------------------------------


def test_the_emergency_view_lists_units_whose_suppliers_are_in_the_controlled_regions(
    personas, department, login, own_enterprise, far_supplier
):
    office = personas["own_county"]
    actions.add_unit(own_enterprise, actor=department, tier="county", reason="龙头")
    actions.add_supply_link(
        own_enterprise, far_supplier, kind="supplier", products="钢材", actor=office
    )
    # a unit registered by its supplier as the supplier's customer counts too
    second = make_enterprise(region=OWN_COUNTY, name="中原第二白名单有限公司")
    actions.add_unit(second, actor=department, tier="county", reason="配套")
    far_mill = make_enterprise(region="410203", name="顺河面粉有限公司")
    actions.add_supply_link(far_mill, second, kind="customer", products="面粉", actor=None)
    # not listed: not shown, even with a supplier in the region
    unlisted = make_enterprise(region=OWN_COUNTY, name="中原未入选有限公司")
    actions.add_supply_link(unlisted, far_supplier, kind="supplier", actor=office)
    # a customer in the region is no supplier
    actions.add_supply_link(own_enterprise, far_mill, kind="customer", actor=office)

    client = login(office)
    page = client.get("/enterprises/chain/emergency/", {"regions": [OTHER_COUNTY, "410203"]})
    units = page.context["units"]
    assert [u.enterprise for u in units] == [own_enterprise, second] or [
        u.enterprise for u in units
    ] == [second, own_enterprise]
    by_unit = {u.enterprise: [s[0] for s in u.suppliers] for u in units}
    assert by_unit == {own_enterprise: [far_supplier], second: [far_mill]}
    assert "龙亭钢材供应有限公司" in page.content.decode()
    only_city = client.get("/enterprises/chain/emergency/", {"regions": ["4102"]}).context["units"]
    assert len(only_city) == 2
    elsewhere = client.get("/enterprises/chain/emergency/", {"regions": ["410105"]})
    assert elsewhere.context["units"] == []
    # the other county's office has none of these units in scope
    far = login(personas["other_county"]).get(
        "/enterprises/chain/emergency/", {"regions": [OTHER_COUNTY]}
    )
    assert far.context["units"] == []


# --- API and lists ------------------------------------------------------------------------------


def test_links_through_the_api(personas, login, own_enterprise, far_supplier, other_enterprise):
    client = login(personas["enterprise_admin"])
    created = client.post(
        "/api/supply-links/",
        {
            "enterprise": own_enterprise.pk,
            "partner_credit_code": far_supplier.credit_code,
            "kind": "supplier",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["partner_name"] == far_supplier.name
    duplicate = client.post(
        "/api/supply-links/",
        {
            "enterprise": own_enterprise.pk,
            "partner_credit_code": far_supplier.credit_code,
            "kind": "supplier",
        },
        content_type="application/json",
    )
    assert duplicate.status_code == 400 and "重复" in str(duplicate.json())
    not_ours = client.post(
        "/api/supply-links/",
        {
            "enterprise": other_enterprise.pk,
            "partner_credit_code": far_supplier.credit_code,
            "kind": "supplier",
        },
        content_type="application/json",
    )
    assert not_ours.status_code == 400 and "enterprise" in not_ours.json()
    # the partner's jurisdiction sees the link too, from its side
    seen = login(personas["other_county"]).get("/api/supply-links/").json()["results"]
    assert [row["id"] for row in seen] == [created.json()["id"]]
    assert client.delete(f"/api/supply-links/{created.json()['id']}/").status_code == 204
    assert not SupplyLink.objects.exists()


def test_the_link_list_and_api_cost_a_fixed_number_of_queries(
    personas, login, own_enterprise, django_assert_max_num_queries
):
    office = personas["own_county"]
    for _ in range(12):
        partner = make_enterprise(region=OWN_COUNTY)
        actions.add_supply_link(own_enterprise, partner, kind="supplier", actor=office)
    client = login(office)
    with django_assert_max_num_queries(14):
        assert client.get("/enterprises/chain/links/").status_code == 200
    with django_assert_max_num_queries(10):
        assert len(client.get("/api/supply-links/").json()["results"]) == 12
    with django_assert_max_num_queries(14):
        assert client.get("/enterprises/chain/proposals/").status_code == 200
