"""Route expectations of the criteria area (WL-03, WL-04, WL-11), merged into
tests/test_route_personas.py.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
HQ offices read criteria, applications and facts but write none of them; the unit applies,
declares and self-assesses; the public pages answer everyone.
"""

from sibao.core.testing import OWN_COUNTY

PUBLIC = (200, 200, 200, 200, 200)
DEPARTMENT_ONLY = (302, 403, 403, 403, 403)  # writing criteria: department staff only
UNIT_ONLY = (302, 403, 403, 403, 200)

ROUTES: dict = {
    "enterprises:criteria_list": (None, (302, 403, 200, 200, 403)),
    "enterprises:criteria_create": (None, DEPARTMENT_ONLY),
    "enterprises:criteria_detail": (
        lambda o: {"pk": o["criteria_published"].pk},
        (302, 403, 404, 200, 403),
    ),
    "enterprises:criteria_update": (lambda o: {"pk": o["criteria_draft"].pk}, DEPARTMENT_ONLY),
    "enterprises:criteria_preview": (
        lambda o: {"pk": o["criteria_draft"].pk},
        (302, 403, 404, 200, 403),
    ),
    "enterprises:criterion_create": (lambda o: {"pk": o["criteria_draft"].pk}, DEPARTMENT_ONLY),
    "enterprises:criterion_update": (
        lambda o: {"pk": o["criteria_draft"].pk, "criterion": o["draft_criterion"].pk},
        DEPARTMENT_ONLY,
    ),
    "enterprises:checklist_item_create": (
        lambda o: {"pk": o["criteria_draft"].pk},
        DEPARTMENT_ONLY,
    ),
    "enterprises:checklist_item_update": (
        lambda o: {"pk": o["criteria_draft"].pk, "item": o["draft_item"].pk},
        DEPARTMENT_ONLY,
    ),
    "enterprises:application_list": (None, (302, 403, 200, 200, 200)),
    "enterprises:application_queue": (None, DEPARTMENT_ONLY),
    "enterprises:application_detail": (
        lambda o: {"pk": o["own_application"].pk},
        (302, 403, 404, 200, 200),
    ),
    "enterprises:application_create": (lambda o: {"pk": o["own_enterprise"].pk}, UNIT_ONLY),
    "enterprises:enterprise_facts": (
        lambda o: {"pk": o["own_enterprise"].pk},
        (302, 403, 404, 200, 200),
    ),
    "enterprises:self_assessment_create": (lambda o: {"pk": o["own_enterprise"].pk}, UNIT_ONLY),
    "public:index": (None, PUBLIC),
    "public:criteria_detail": (lambda o: {"pk": o["criteria_published"].pk}, PUBLIC),
    "public:batch_list": (None, PUBLIC),
    "public:batch_detail": (lambda o: {"pk": o["public_batch"].pk}, PUBLIC),
    "api:criteria-set-list": (None, (401, 403, 200, 200, 403)),
    "api:criteria-set-detail": (
        lambda o: {"pk": o["criteria_published"].pk},
        (401, 403, 404, 200, 403),
    ),
    "api:application-list": (None, (401, 403, 200, 200, 200)),
    "api:application-detail": (
        lambda o: {"pk": o["own_application"].pk},
        (401, 403, 404, 200, 200),
    ),
    "api:fact-list": (None, (401, 403, 200, 200, 200)),
    "api:self-assessment-list": (None, (401, 403, 200, 200, 200)),
    "api:self-assessment-detail": (
        lambda o: {"pk": o["own_assessment"].pk},
        (401, 403, 404, 200, 200),
    ),
}

NOT_GET: dict = {
    "enterprises:criteria_publish": "tests/test_criteria_editor.py",
    "enterprises:criterion_delete": "tests/test_criteria_editor.py",
    "enterprises:checklist_item_delete": "tests/test_criteria_editor.py",
    "enterprises:application_review": "tests/test_application_flow.py",
    "enterprises:application_resubmit": "tests/test_application_flow.py",
    "enterprises:application_withdraw": "tests/test_application_flow.py",
    "api:criteria-set-publish": "tests/test_application_api.py",
    "api:application-review": "tests/test_application_api.py",
    "api:application-resubmit": "tests/test_application_api.py",
    "api:application-withdraw": "tests/test_application_api.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A published own-county criteria set with a checklist, a draft of the next version, the
    unit's application and self-assessment, and a published batch."""
    from django.utils import timezone

    from sibao.accounts.roles import Role
    from sibao.core.testing import make_criteria_set, make_user
    from sibao.enterprises import actions
    from sibao.enterprises.models import WhitelistBatch
    from sibao.regions.models import IndustryDomain, Region

    published = make_criteria_set(
        region=OWN_COUNTY,
        criteria=[("J1", "", {"==": [{"var": "industry"}, "industry"]}), ("R1", "", None)],
    )
    published.checklist.create(section="site", text="设置临时观察区", order=0)
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    draft = actions.create_criteria_draft(
        published.department, published.industry, actor=staff, title="第二版"
    )
    unit_admin = personas["enterprise_admin"]
    application = actions.submit_application(objects["own_enterprise"], actor=unit_admin)
    item = published.checklist.get()
    assessment = actions.submit_self_assessment(
        objects["own_enterprise"], published, {item.pk: "yes"}, actor=unit_admin
    )
    batch = WhitelistBatch.objects.create(
        region=Region.objects.get(code=OWN_COUNTY),
        industry=IndustryDomain.objects.get(code="industry"),
        number=1,
        title="中原区工业生产白名单（第1批）",
        published_at=timezone.now(),
    )
    return {
        "criteria_published": published,
        "criteria_draft": draft,
        "draft_criterion": draft.criteria.first(),
        "draft_item": draft.checklist.first(),
        "own_application": application,
        "own_assessment": assessment,
        "public_batch": batch,
    }
