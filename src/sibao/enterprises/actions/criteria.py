"""Selection standards and prevention guides (WL-03, WL-11): versioned criteria sets written by
the competent industry department, edited as drafts, published (superseding the previous
version), and the enterprises' self-assessments against the guide's checklist."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.core import audit
from sibao.enterprises.actions.facts import record_fact
from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.models import (
    ChecklistItem,
    CriteriaSet,
    CriteriaStatus,
    Criterion,
    Enterprise,
    FactSource,
    SelfAssessment,
)
from sibao.enterprises.models.criteria import ChecklistSection

__all__ = [
    "add_checklist_item",
    "add_criterion",
    "create_criteria_draft",
    "delete_checklist_item",
    "delete_criterion",
    "publish_criteria_set",
    "submit_self_assessment",
    "update_checklist_item",
    "update_criteria_draft",
    "update_criterion",
]

ANSWERS = ("yes", "no", "na")
CRITERION_FIELDS = ("code", "title", "tier", "expression", "needs_review", "clause", "order")
CHECKLIST_FIELDS = ("section", "text", "is_mandatory", "order")


# --- criteria sets ------------------------------------------------------------------------------


@transaction.atomic
def create_criteria_draft(
    department, industry, *, actor, title: str, summary: str = "", guide: str = ""
) -> CriteriaSet:
    """WL-03: start the next version of a department's standards for one industry, as a draft
    copy of the published version's criteria and checklist when there is one."""
    if not covers(
        actor, CriteriaSet, "add", region_code=department.region_id, industry=industry.code
    ):
        raise PermissionDenied(_("您无权为该部门、该行业制定入选标准。"))
    if department.kind != industry.competent_department:
        raise ValidationError(
            _("%(department)s不是%(industry)s领域的主管部门。")
            % {"department": department.name, "industry": industry.name}
        )
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题。")})
    versions = CriteriaSet.objects.select_for_update().filter(
        department=department, industry=industry
    )
    if versions.filter(status=CriteriaStatus.DRAFT).exists():
        raise ValidationError(_("该行业已有一个未发布的草稿，请先完成或删除该草稿。"))
    current = versions.filter(status=CriteriaStatus.PUBLISHED).first()
    number = (versions.aggregate(n=Max("version"))["n"] or 0) + 1
    draft = CriteriaSet.objects.create(
        industry=industry,
        department=department,
        version=number,
        title=title,
        summary=(summary or "").strip(),
        guide=(guide or "").strip() or (current.guide if current else ""),
        status=CriteriaStatus.DRAFT,
        created_by=actor,
        region_code=department.region_id,
    )
    if current is not None:
        Criterion.objects.bulk_create(
            Criterion(criteria_set=draft, **{f: getattr(c, f) for f in CRITERION_FIELDS})
            for c in current.criteria.all()
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(criteria_set=draft, **{f: getattr(i, f) for f in CHECKLIST_FIELDS})
            for i in current.checklist.all()
        )
    audit.record(
        "criteria.draft",
        actor=actor,
        obj=draft,
        changes={"version": [current.version if current else None, number]},
    )
    return draft


def _editable(criteria_set, actor) -> CriteriaSet:
    """The draft, locked for the edit; published versions never change (applications were
    evaluated against them and must stay explainable)."""
    if not can(actor, CriteriaSet, "change", obj=criteria_set):
        raise PermissionDenied(_("您无权修改该入选标准。"))
    criteria_set = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    if not criteria_set.is_editable:
        raise ValidationError(_("已发布的版本不能修改，请新建一个版本。"))
    return criteria_set


@transaction.atomic
def update_criteria_draft(
    criteria_set, *, actor, title: str, summary: str = "", guide: str = ""
) -> CriteriaSet:
    """Change a draft's title, explanation and prevention guide text (WL-11)."""
    criteria_set = _editable(criteria_set, actor)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题。")})
    fields = ("title", "summary", "guide")
    before = audit.snapshot(criteria_set, fields)
    criteria_set.title = title
    criteria_set.summary = (summary or "").strip()
    criteria_set.guide = (guide or "").strip()
    criteria_set.save(update_fields=list(fields))
    audit.record(
        "criteria.change",
        actor=actor,
        obj=criteria_set,
        changes=audit.diff(before, audit.snapshot(criteria_set, fields)),
    )
    return criteria_set


@transaction.atomic
def publish_criteria_set(criteria_set, *, actor) -> CriteriaSet:
    """WL-03: publish a draft on the public page; the department's previously published version
    of the same industry is superseded (it stays readable for the applications decided on it)."""
    if not can(actor, CriteriaSet, "publish", obj=criteria_set):
        raise PermissionDenied(_("您无权发布该入选标准。"))
    criteria_set = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    if criteria_set.status != CriteriaStatus.DRAFT:
        raise ValidationError(_("只有草稿可以发布。"))
    if not criteria_set.criteria.exists():
        raise ValidationError(_("入选标准至少需要一项条件才能发布。"))
    previous = list(
        CriteriaSet.objects.select_for_update()
        .filter(
            department_id=criteria_set.department_id,
            industry_id=criteria_set.industry_id,
            status=CriteriaStatus.PUBLISHED,
        )
        .exclude(pk=criteria_set.pk)
    )
    for old in previous:
        old.status = CriteriaStatus.SUPERSEDED
        old.save(update_fields=["status"])
    criteria_set.status = CriteriaStatus.PUBLISHED
    criteria_set.published_at = timezone.now()
    criteria_set.save(update_fields=["status", "published_at"])
    audit.record(
        "criteria.publish",
        actor=actor,
        obj=criteria_set,
        changes={
            "status": [CriteriaStatus.DRAFT, CriteriaStatus.PUBLISHED],
            "superseded": [old.version for old in previous],
        },
    )
    return criteria_set


# --- criteria ----------------------------------------------------------------------------------


def _criterion_values(criteria_set, *, code, title, tier, expression, needs_review, clause, order):
    code = (code or "").strip()
    title = (title or "").strip()
    errors = {}
    if not code:
        errors["code"] = _("请填写编号。")
    if not title:
        errors["title"] = _("请填写条件。")
    if tier not in ("", *[value for value, _label in Criterion._meta.get_field("tier").choices]):
        errors["tier"] = _("适用层级无效。")
    if expression is not None:
        try:
            CATALOGUE.validate(expression)
        except ValidationError as exc:
            errors["expression"] = _("判定规则无效：%(error)s") % {"error": " ".join(exc.messages)}
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "title": title,
        "tier": tier,
        "expression": expression,
        # a criterion the data cannot decide is always a reviewer's
        "needs_review": bool(needs_review) or expression is None,
        "clause": (clause or "").strip(),
        "order": order if order is not None else criteria_set.criteria.count(),
    }


@transaction.atomic
def add_criterion(
    criteria_set,
    *,
    actor,
    code: str,
    title: str,
    tier: str = "",
    expression=None,
    needs_review: bool = False,
    clause: str = "",
    order: int | None = None,
) -> Criterion:
    """Add a criterion to a draft. ``expression`` is validated against the attribute catalogue;
    without one the criterion is judged by the reviewer (``needs_review``)."""
    criteria_set = _editable(criteria_set, actor)
    values = _criterion_values(
        criteria_set,
        code=code,
        title=title,
        tier=tier,
        expression=expression,
        needs_review=needs_review,
        clause=clause,
        order=order,
    )
    if criteria_set.criteria.filter(code=values["code"]).exists():
        raise ValidationError({"code": _("编号 %(code)s 已存在。") % {"code": values["code"]}})
    criterion = Criterion.objects.create(criteria_set=criteria_set, **values)
    audit.record(
        "criteria.criterion_add",
        actor=actor,
        obj=criteria_set,
        changes={values["code"]: [None, _plain_criterion(criterion)]},
    )
    return criterion


@transaction.atomic
def update_criterion(
    criterion,
    *,
    actor,
    code: str,
    title: str,
    tier: str = "",
    expression=None,
    needs_review: bool = False,
    clause: str = "",
    order: int | None = None,
) -> Criterion:
    """Change a criterion of a draft (same checks as ``add_criterion``)."""
    criteria_set = _editable(criterion.criteria_set, actor)
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    values = _criterion_values(
        criteria_set,
        code=code,
        title=title,
        tier=tier,
        expression=expression,
        needs_review=needs_review,
        clause=clause,
        order=criterion.order if order is None else order,
    )
    if criteria_set.criteria.filter(code=values["code"]).exclude(pk=criterion.pk).exists():
        raise ValidationError({"code": _("编号 %(code)s 已存在。") % {"code": values["code"]}})
    before = _plain_criterion(criterion)
    for name, value in values.items():
        setattr(criterion, name, value)
    criterion.save(update_fields=list(values))
    audit.record(
        "criteria.criterion_change",
        actor=actor,
        obj=criteria_set,
        changes={criterion.code: [before, _plain_criterion(criterion)]},
    )
    return criterion


@transaction.atomic
def delete_criterion(criterion, *, actor) -> None:
    """Remove a criterion from a draft."""
    criteria_set = _editable(criterion.criteria_set, actor)
    before = _plain_criterion(criterion)
    Criterion.objects.filter(pk=criterion.pk, criteria_set=criteria_set).delete()
    audit.record(
        "criteria.criterion_delete",
        actor=actor,
        obj=criteria_set,
        changes={before["code"]: [before, None]},
    )


def _plain_criterion(criterion) -> dict:
    return {
        "code": criterion.code,
        "title": criterion.title,
        "tier": criterion.tier,
        "expression": criterion.expression,
        "needs_review": criterion.needs_review,
    }


# --- the prevention guide's checklist (WL-11) --------------------------------------------------


def _checklist_values(criteria_set, *, section, text, is_mandatory, order):
    text = (text or "").strip()
    errors = {}
    if section not in ChecklistSection.values:
        errors["section"] = _("请选择类别。")
    if not text:
        errors["text"] = _("请填写检查内容。")
    if errors:
        raise ValidationError(errors)
    return {
        "section": section,
        "text": text,
        "is_mandatory": bool(is_mandatory),
        "order": order if order is not None else criteria_set.checklist.count(),
    }


@transaction.atomic
def add_checklist_item(
    criteria_set, *, actor, section: str, text: str, is_mandatory=True, order=None
) -> ChecklistItem:
    """Add an item to a draft's self-assessment checklist."""
    criteria_set = _editable(criteria_set, actor)
    values = _checklist_values(
        criteria_set, section=section, text=text, is_mandatory=is_mandatory, order=order
    )
    item = ChecklistItem.objects.create(criteria_set=criteria_set, **values)
    audit.record(
        "criteria.checklist_add", actor=actor, obj=criteria_set, changes={"item": [None, text]}
    )
    return item


@transaction.atomic
def update_checklist_item(
    item, *, actor, section: str, text: str, is_mandatory=True, order=None
) -> ChecklistItem:
    """Change an item of a draft's checklist."""
    criteria_set = _editable(item.criteria_set, actor)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    values = _checklist_values(
        criteria_set,
        section=section,
        text=text,
        is_mandatory=is_mandatory,
        order=item.order if order is None else order,
    )
    before = item.text
    for name, value in values.items():
        setattr(item, name, value)
    item.save(update_fields=list(values))
    audit.record(
        "criteria.checklist_change",
        actor=actor,
        obj=criteria_set,
        changes={"item": [before, item.text]},
    )
    return item


@transaction.atomic
def delete_checklist_item(item, *, actor) -> None:
    """Remove an item from a draft's checklist."""
    criteria_set = _editable(item.criteria_set, actor)
    ChecklistItem.objects.filter(pk=item.pk, criteria_set=criteria_set).delete()
    audit.record(
        "criteria.checklist_delete",
        actor=actor,
        obj=criteria_set,
        changes={"item": [item.text, None]},
    )


@transaction.atomic
def submit_self_assessment(enterprise, criteria_set, answers: dict, *, actor) -> SelfAssessment:
    """WL-11: the enterprise's answers to the published guide's checklist. ``answers`` maps an
    item id to ``"yes" | "no" | "na"`` or ``{"answer": …, "note": …}``; every item must be
    answered. Passed when every mandatory item is "yes"; the platform then records the fact
    ``self_assessment_passed`` that criteria may read."""
    if not can(actor, Enterprise, "view", obj=enterprise) or not covers(
        actor, SelfAssessment, "add", region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ):
        raise PermissionDenied(_("您无权为该单位提交防控自查。"))
    if criteria_set.status != CriteriaStatus.PUBLISHED:
        raise ValidationError(_("只能对照已发布的防控指南自查。"))
    if criteria_set.industry_id != enterprise.industry_id:
        raise ValidationError(_("该防控指南不属于本单位所在行业。"))
    items = list(criteria_set.checklist.all())
    if not items:
        raise ValidationError(_("该防控指南没有自查项。"))
    by_id = {str(item.pk): item for item in items}
    normalised, errors = {}, []
    for key, value in (answers or {}).items():
        if str(key) not in by_id:
            errors.append(_("未知的自查项：%(id)s") % {"id": key})
            continue
        answer, note = (value, "") if isinstance(value, str) else _answer_parts(value)
        if answer not in ANSWERS:
            errors.append(_("自查项“%(text)s”的回答无效。") % {"text": by_id[str(key)].text})
            continue
        normalised[str(key)] = {"answer": answer, "note": (note or "").strip()}
    missing = [item.text for item in items if str(item.pk) not in normalised]
    if missing:
        errors.append(_("以下自查项尚未回答：%(items)s") % {"items": "；".join(missing)})
    if errors:
        raise ValidationError({"answers": errors})
    passed = all(normalised[str(i.pk)]["answer"] == "yes" for i in items if i.is_mandatory)
    assessment = SelfAssessment.objects.create(
        enterprise=enterprise,
        criteria_set=criteria_set,
        answers=normalised,
        passed=passed,
        submitted_by=actor,
        region_code=enterprise.region_id,
    )
    audit.record(
        "enterprise.self_assessment",
        actor=actor,
        obj=enterprise,
        changes={"passed": [None, passed], "criteria_version": criteria_set.version},
    )
    # the platform states what it saw: the unit's own answers, recorded as a platform fact
    record_fact(
        enterprise, "self_assessment_passed", passed, source=FactSource.PLATFORM, actor=None
    )
    return assessment


def _answer_parts(value):
    if not isinstance(value, dict):
        return None, ""
    return value.get("answer"), value.get("note", "")
