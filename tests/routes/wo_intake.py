"""Route expectations of the work-orders area 'intake': demand filing, attachments, bulk import, intake queue, demand page (DEM-01).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

A unit's admin sees and files its own demands; an office sees its region's, takes them in
(queue), files by hotline for its units, imports and exports; another county's office gets 404
for the own county's demand. A unit has no export and no import (403). Intake decisions answer
POST only and are covered by the named tests.
"""

UI_ALL = (302, 403, 200, 200, 200)
UI_OFFICE = (302, 403, 200, 200, 403)
UI_OWN_OBJECT = (302, 403, 404, 200, 200)
API_ALL = (401, 403, 200, 200, 200)
API_OWN_OBJECT = (401, 403, 404, 200, 200)

PAGES = "tests/test_wo_intake_pages.py"
API = "tests/test_wo_intake_api.py"

ROUTES: dict = {
    "workorders:demand_list": (None, UI_ALL),
    "workorders:demand_create": (None, UI_ALL),
    "workorders:demand_export": (None, UI_OFFICE),
    "workorders:intake_queue": (None, UI_OFFICE),
    "workorders:demand_import": (None, UI_OFFICE),
    "workorders:demand_import_template": (None, UI_OFFICE),
    "workorders:demand_detail": (lambda o: {"pk": o["own_demand"].pk}, UI_OWN_OBJECT),
    "workorders:demand_attachment": (
        lambda o: {"pk": o["own_demand_attachment"].pk},
        UI_OWN_OBJECT,
    ),
    "api:demand-list": (None, API_ALL),
    "api:demand-detail": (lambda o: {"pk": o["own_demand"].pk}, API_OWN_OBJECT),
    "api:demand-attachment-list": (None, API_ALL),
    "api:demand-attachment-detail": (
        lambda o: {"pk": o["own_demand_attachment"].pk},
        API_OWN_OBJECT,
    ),
}

NOT_GET: dict = {
    "workorders:demand_accept": PAGES,
    "workorders:demand_reject": PAGES,
    "workorders:demand_merge": PAGES,
    "workorders:demand_withdraw": PAGES,
    "workorders:demand_import_report": PAGES,
    "api:demand-accept": API,
    "api:demand-reject": API,
    "api:demand-merge": API,
    "api:demand-withdraw": API,
    "api:demand-import": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A demand the own-county unit's admin filed with one PDF attached."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sibao.workorders.actions import intake

    demand = intake.file_demand(
        objects["own_enterprise"],
        actor=personas["enterprise_admin"],
        category="logistics",
        title="路由测试：原料运输受阻",
        description="县界卡口劝返原料车辆，影响生产。",
        files=[SimpleUploadedFile("通行证.pdf", b"%PDF-1.4 test", "application/pdf")],
    )
    return {"own_demand": demand, "own_demand_attachment": demand.attachments.get()}
