"""The policy catalogue (POL-01): policies written by a department as drafts, with their
conditions (eligibility trees of the shared engine, each citing its clause), versioned like the
whitelist criteria: a new version is a draft copy of the published one, publishing it supersedes
the old one, and a published version never changes again. Publishing hands the policy to the
matching area (``policies.matching.match_policy``) and the newly matched enterprises to the
uptake area (``policies.actions.uptake.push``); withdrawing or superseding a version drops its
matches that nobody has acted on (``policies.matching.unmatch_policy``).

Who: a department's staff with "add" / "change" / "publish" on ``policies.policy`` write the
policies of their own department, at their own level (a county department the county's, the
province's departments the province's). ``actor=None`` is the platform itself (demo, imports).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, covers
from sibao.core import audit
from sibao.core.workflow import Transition, Workflow
from sibao.enterprises.facts import CATALOGUE
from sibao.policies.models import (
    ApplicationRoute,
    Policy,
    PolicyCategory,
    PolicyCondition,
    PolicyStatus,
)

__all__ = [
    "POLICY_WORKFLOW",
    "add_condition",
    "create_policy",
    "delete_condition",
    "delete_policy_draft",
    "may_write_policy",
    "move_condition",
    "new_policy_version",
    "publish_policy",
    "reorder_conditions",
    "update_condition",
    "update_policy",
    "withdraw_policy",
]

# The lifecycle of one version (each step recorded with core.workflow: the policy's history).
POLICY_WORKFLOW = Workflow(
    Transition(PolicyStatus.DRAFT, "publish", PolicyStatus.PUBLISHED),
    Transition(PolicyStatus.PUBLISHED, "supersede", PolicyStatus.SUPERSEDED),
    Transition(PolicyStatus.PUBLISHED, "withdraw", PolicyStatus.WITHDRAWN),
    labels=PolicyStatus,
)

POLICY_FIELDS = (
    "title",
    "category",
    "document",
    "summary",
    "benefit",
    "benefit_amount",
    "route",
    "how_to_apply",
    "materials",
    "valid_from",
    "valid_to",
)
CONDITION_FIELDS = ("title", "clause", "expression", "order")


# --- permission ---------------------------------------------------------------------------------


def may_write_policy(actor, action: str, department) -> bool:
    """Whether ``actor`` may ``action`` ("add", "change", "publish") a policy of ``department``:
    a grant allowing the action on the department's own region (a department issues policies at
    its own level) and, when the grant names a department, that very department."""
    if actor is None:
        return True
    if not covers(actor, Policy, action, region_code=department.region_id):
        return False
    return any(
        grant.region_id == department.region_id
        and grant.department_id in (None, department.pk)
        and not grant.enterprise_id
        for grant in allowing_grants(actor, Policy._meta.label_lower, action)
    )


def _require(actor, action, department, message):
    if not may_write_policy(actor, action, department):
        raise PermissionDenied(message)


# --- values -------------------------------------------------------------------------------------


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value)


def _date(value, field, errors):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = _("日期格式应为 YYYY-MM-DD。")
        return None


def _policy_values(values: dict) -> dict:
    """The policy's own fields, checked; raises ValidationError with Chinese messages per field."""
    errors = {}
    cleaned = {
        "title": _text(values.get("title")),
        "category": values.get("category") or "",
        "document": _text(values.get("document")),
        "summary": _text(values.get("summary")),
        "benefit": _text(values.get("benefit")),
        "route": values.get("route") or ApplicationRoute.STANDARD,
        "how_to_apply": _text(values.get("how_to_apply")),
        "materials": _text(values.get("materials")),
    }
    if not cleaned["title"]:
        errors["title"] = _("请填写政策名称。")
    elif len(cleaned["title"]) > 200:
        errors["title"] = _("政策名称不能超过 200 个字。")
    if cleaned["category"] not in PolicyCategory.values:
        errors["category"] = _("请选择政策类别。")
    if not cleaned["benefit"]:
        errors["benefit"] = _("请填写支持标准。")
    elif len(cleaned["benefit"]) > 255:
        errors["benefit"] = _("支持标准不能超过 255 个字。")
    if len(cleaned["document"]) > 200:
        errors["document"] = _("政策文件不能超过 200 个字。")
    if cleaned["route"] not in ApplicationRoute.values:
        errors["route"] = _("兑现方式无效。")
    amount = values.get("benefit_amount")
    if amount in (None, ""):
        cleaned["benefit_amount"] = None
    else:
        try:
            amount = Decimal(str(amount))
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
            cleaned["benefit_amount"] = amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            errors["benefit_amount"] = _("预计享受金额应为不小于 0 的数字（万元）。")
    cleaned["valid_from"] = _date(values.get("valid_from"), "valid_from", errors)
    cleaned["valid_to"] = _date(values.get("valid_to"), "valid_to", errors)
    if cleaned["valid_from"] is None and "valid_from" not in errors:
        errors["valid_from"] = _("请填写有效期起始日期。")
    if (
        cleaned["valid_from"] is not None
        and cleaned["valid_to"] is not None
        and cleaned["valid_to"] < cleaned["valid_from"]
    ):
        errors["valid_to"] = _("有效期止不能早于有效期起。")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _condition_values(*, title, clause, expression) -> dict:
    errors = {}
    title, clause = _text(title), _text(clause)
    if not title:
        errors["title"] = _("请填写条件名称。")
    elif len(title) > 200:
        errors["title"] = _("条件名称不能超过 200 个字。")
    if not clause:
        errors["clause"] = _("请注明该条件所依据的政策条款。")
    elif len(clause) > 200:
        errors["clause"] = _("政策条款不能超过 200 个字。")
    if expression in (None, "", {}, []):
        errors["expression"] = _("请填写判定规则：政策条件必须能由企业数据判定。")
    else:
        try:
            CATALOGUE.validate(expression)
        except ValidationError as exc:
            errors["expression"] = _("判定规则无效：%(error)s") % {"error": " ".join(exc.messages)}
    if errors:
        raise ValidationError(errors)
    return {"title": title, "clause": clause, "expression": expression}


def _plain_condition(condition) -> dict:
    return {
        "title": condition.title,
        "clause": condition.clause,
        "expression": condition.expression,
        "order": condition.order,
    }


def _next_series(department) -> str:
    """A new policy number: the department's region, the year and a serial (``410102-2022-0003``)."""
    prefix = f"{department.region_id}-{timezone.localdate().year}-"
    taken = Policy.objects.filter(series__startswith=prefix).values_list("series", flat=True)
    numbers = [int(s[len(prefix) :]) for s in taken if s[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


# --- policies -----------------------------------------------------------------------------------


@transaction.atomic
def create_policy(
    department, *, actor, conditions=(), series: str | None = None, draft=None, **values
) -> Policy:
    """POL-01: a new policy: version 1 of a new series, as a draft of ``department``.

    ``values``: the fields in ``POLICY_FIELDS``; ``conditions``: optional dicts with ``title``,
    ``clause`` and ``expression``; ``series``: the policy number (generated when omitted);
    ``draft``: the reserve entry (POL-05) it came from."""
    _require(actor, "add", department, _("您无权以该部门名义起草政策。"))
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    cleaned = _policy_values(values)
    series = _text(series) or _next_series(department)
    if len(series) > 32:
        raise ValidationError({"series": _("政策编号不能超过 32 个字符。")})
    if Policy.objects.filter(series=series).exists():
        raise ValidationError({"series": _("政策编号 %(series)s 已存在。") % {"series": series}})
    checked = []
    for i, condition in enumerate(conditions):
        try:
            checked.append(
                _condition_values(
                    title=condition.get("title"),
                    clause=condition.get("clause"),
                    expression=condition.get("expression"),
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                _("第 %(n)s 项条件：%(error)s") % {"n": i + 1, "error": " ".join(exc.messages)}
            ) from None
    policy = Policy.objects.create(
        series=series,
        version=1,
        department=department,
        region_code=department.region_id,
        status=PolicyStatus.DRAFT,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        draft=draft,
        **cleaned,
    )
    PolicyCondition.objects.bulk_create(
        PolicyCondition(policy=policy, order=i, **values) for i, values in enumerate(checked)
    )
    audit.record(
        "policy.create",
        actor=actor,
        obj=policy,
        changes={"series": [None, series], "conditions": [None, len(checked)]},
    )
    return policy


def _editable(policy, actor) -> Policy:
    """The draft, locked for the edit: a published version never changes (its matches must stay
    explainable against it)."""
    policy = Policy.objects.select_for_update().select_related("department").get(pk=policy.pk)
    _require(actor, "change", policy.department, _("您无权修改该政策。"))
    if policy.status != PolicyStatus.DRAFT:
        raise ValidationError(_("已发布的政策版本不能修改，请新建一个版本。"))
    return policy


@transaction.atomic
def update_policy(policy, *, actor, **values) -> Policy:
    """Change a draft's fields (``POLICY_FIELDS``; omitted ones keep their value)."""
    policy = _editable(policy, actor)
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    merged = {name: getattr(policy, name) for name in POLICY_FIELDS}
    merged.update(values)
    cleaned = _policy_values(merged)
    before = audit.snapshot(policy, POLICY_FIELDS)
    for name, value in cleaned.items():
        setattr(policy, name, value)
    policy.save(update_fields=list(cleaned))
    audit.record(
        "policy.change",
        actor=actor,
        obj=policy,
        changes=audit.diff(before, audit.snapshot(policy, POLICY_FIELDS)),
    )
    return policy


@transaction.atomic
def delete_policy_draft(policy, *, actor) -> None:
    """Discard a draft that was never published (its series disappears if it was version 1)."""
    policy = _editable(policy, actor)
    audit.record(
        "policy.delete_draft",
        actor=actor,
        obj=policy,
        changes={"version": [policy.version, None]},
    )
    policy.delete()


@transaction.atomic
def new_policy_version(policy, *, actor) -> Policy:
    """The next version of a policy: a draft copy of its published version (fields and
    conditions). One draft per series at a time."""
    series = policy.series
    versions = Policy.objects.select_for_update().filter(series=series)
    current = versions.filter(status=PolicyStatus.PUBLISHED).select_related("department").first()
    if current is None:
        raise ValidationError(_("只能在已发布的版本基础上新建版本。"))
    _require(actor, "change", current.department, _("您无权修改该政策。"))
    if versions.filter(status=PolicyStatus.DRAFT).exists():
        raise ValidationError(_("该政策已有一个未发布的新版本草稿，请先完成或删除该草稿。"))
    number = (versions.aggregate(n=Max("version"))["n"] or 0) + 1
    copy = Policy.objects.create(
        series=series,
        version=number,
        department=current.department,
        region_code=current.region_code,
        status=PolicyStatus.DRAFT,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        draft=current.draft,
        **{name: getattr(current, name) for name in POLICY_FIELDS},
    )
    PolicyCondition.objects.bulk_create(
        PolicyCondition(policy=copy, **{f: getattr(c, f) for f in CONDITION_FIELDS})
        for c in current.conditions.all()
    )
    audit.record(
        "policy.new_version",
        actor=actor,
        obj=copy,
        changes={"version": [current.version, number]},
    )
    return copy


@transaction.atomic
def publish_policy(policy, *, actor) -> Policy:
    """POL-01: publish a draft. Checks: at least one condition, a validity that has not already
    ended, the department within the actor's scope. The series' published version is superseded
    (its untouched matches dropped); then the new version is matched against every enterprise in
    its region and the newly matched ones are notified."""
    policy = Policy.objects.select_for_update().select_related("department").get(pk=policy.pk)
    _require(actor, "publish", policy.department, _("您无权发布该政策。"))
    if policy.status != PolicyStatus.DRAFT:
        raise ValidationError(_("只有草稿可以发布。"))
    conditions = list(policy.conditions.all())
    if not conditions:
        raise ValidationError(_("政策至少需要一项享受条件才能发布。"))
    for condition in conditions:
        try:
            CATALOGUE.validate(condition.expression)
        except ValidationError as exc:
            raise ValidationError(
                _("条件“%(title)s”的判定规则无效：%(error)s")
                % {"title": condition.title, "error": " ".join(exc.messages)}
            ) from None
    today = timezone.localdate()
    if policy.valid_to is not None and policy.valid_to < today:
        raise ValidationError(
            _("该政策的有效期已于 %(date)s 结束，不能发布。") % {"date": policy.valid_to}
        )
    # written by the matching and uptake areas; imported here, where they are needed
    from sibao.policies import matching
    from sibao.policies.actions import uptake

    previous = list(
        Policy.objects.select_for_update()
        .filter(series=policy.series, status=PolicyStatus.PUBLISHED)
        .exclude(pk=policy.pk)
    )
    for old in previous:
        POLICY_WORKFLOW.apply(
            old,
            "supersede",
            actor=actor,
            note=_("被第 %(version)s 版替代") % {"version": policy.version},
        )
        matching.unmatch_policy(old)
    policy.published_at = timezone.now()
    POLICY_WORKFLOW.apply(policy, "publish", actor=actor, extra_fields=("published_at",))
    counts = matching.match_policy(policy)
    pushed = uptake.push(policy, actor=None)
    audit.record(
        "policy.publish",
        actor=actor,
        obj=policy,
        changes={
            "status": [PolicyStatus.DRAFT, PolicyStatus.PUBLISHED],
            "superseded": [old.version for old in previous],
            "matched": _plain_counts(counts),
            "pushed": pushed,
        },
    )
    return policy


def _plain_counts(counts):
    if isinstance(counts, dict):
        return {str(k): v for k, v in counts.items() if isinstance(v, int | str | None)}
    return counts if isinstance(counts, int) else None


@transaction.atomic
def withdraw_policy(policy, *, actor, reason: str) -> Policy:
    """Withdraw (废止) a published policy, with the reason: it is no longer active, and its
    matches that nobody has acted on are dropped (started uptakes keep their history)."""
    policy = Policy.objects.select_for_update().select_related("department").get(pk=policy.pk)
    _require(actor, "publish", policy.department, _("您无权废止该政策。"))
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("请填写废止原因。")})
    if policy.status != PolicyStatus.PUBLISHED:
        raise ValidationError(_("只有已发布的政策可以废止。"))
    from sibao.policies import matching

    POLICY_WORKFLOW.apply(policy, "withdraw", actor=actor, note=reason)
    matching.unmatch_policy(policy)
    audit.record(
        "policy.withdraw",
        actor=actor,
        obj=policy,
        changes={"status": [PolicyStatus.PUBLISHED, PolicyStatus.WITHDRAWN]},
        note=reason,
    )
    return policy


# --- conditions ---------------------------------------------------------------------------------


@transaction.atomic
def add_condition(
    policy, *, actor, title: str, clause: str, expression, order: int | None = None
) -> PolicyCondition:
    """Add a condition to a draft: a rule tree validated with the attribute catalogue and the
    clause of the policy text it implements (both required). Appended unless ``order`` is given."""
    policy = _editable(policy, actor)
    values = _condition_values(title=title, clause=clause, expression=expression)
    if order is None:
        order = (policy.conditions.aggregate(n=Max("order"))["n"] or -1) + 1
    condition = PolicyCondition.objects.create(policy=policy, order=order, **values)
    audit.record(
        "policy.condition_add",
        actor=actor,
        obj=policy,
        changes={"condition": [None, _plain_condition(condition)]},
    )
    return condition


@transaction.atomic
def update_condition(
    condition, *, actor, title: str, clause: str, expression, order: int | None = None
) -> PolicyCondition:
    """Change a condition of a draft (same checks as ``add_condition``)."""
    policy = _editable(condition.policy, actor)
    condition = PolicyCondition.objects.select_for_update().get(pk=condition.pk, policy=policy)
    values = _condition_values(title=title, clause=clause, expression=expression)
    if order is not None:
        values["order"] = order
    before = _plain_condition(condition)
    for name, value in values.items():
        setattr(condition, name, value)
    condition.save(update_fields=list(values))
    audit.record(
        "policy.condition_change",
        actor=actor,
        obj=policy,
        changes={"condition": [before, _plain_condition(condition)]},
    )
    return condition


@transaction.atomic
def delete_condition(condition, *, actor) -> None:
    """Remove a condition from a draft."""
    policy = _editable(condition.policy, actor)
    before = _plain_condition(condition)
    PolicyCondition.objects.filter(pk=condition.pk, policy=policy).delete()
    audit.record(
        "policy.condition_delete", actor=actor, obj=policy, changes={"condition": [before, None]}
    )


@transaction.atomic
def reorder_conditions(policy, ids, *, actor) -> list[PolicyCondition]:
    """Put a draft's conditions in the order of ``ids`` (every condition id exactly once)."""
    policy = _editable(policy, actor)
    conditions = {c.pk: c for c in policy.conditions.select_for_update()}
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ValidationError(_("条件排序无效。")) from None
    if sorted(wanted) != sorted(conditions):
        raise ValidationError(_("条件排序必须恰好包含该政策的每一项条件。"))
    before = [c.pk for c in sorted(conditions.values(), key=lambda c: (c.order, c.pk))]
    for order, pk in enumerate(wanted):
        conditions[pk].order = order
    PolicyCondition.objects.bulk_update(conditions.values(), ["order"])
    audit.record(
        "policy.condition_reorder", actor=actor, obj=policy, changes={"order": [before, wanted]}
    )
    return [conditions[pk] for pk in wanted]


def move_condition(condition, *, actor, offset: int) -> list[PolicyCondition]:
    """Move one condition of a draft up (``offset`` < 0) or down in the list."""
    ordered = list(condition.policy.conditions.order_by("order", "id").values_list("pk", flat=True))
    index = ordered.index(condition.pk)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    return reorder_conditions(condition.policy, ordered, actor=actor)
