"""The policy reserve (POL-05, D1 六(四) 加强政策预研储备): policy ideas researched from the
difficulties enterprises report — a common issue of the demands module, an incident finding, a
sentinel alert, an enterprise, any record — kept with what prompted them and a status:
researching → drafted → issued (naming the policy that came of it) or dropped."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can, covers
from sibao.core import audit
from sibao.core.workflow import Transition, Workflow
from sibao.policies.models import DraftStatus, Policy, PolicyCategory, PolicyDraft

__all__ = [
    "RESERVE_WORKFLOW",
    "advance_reserve_entry",
    "create_reserve_entry",
    "update_reserve_entry",
]

RESERVE_WORKFLOW = Workflow(
    Transition(DraftStatus.RESEARCHING, "draft", DraftStatus.DRAFTED),
    Transition((DraftStatus.RESEARCHING, DraftStatus.DRAFTED), "issue", DraftStatus.ISSUED),
    Transition((DraftStatus.RESEARCHING, DraftStatus.DRAFTED), "drop", DraftStatus.DROPPED),
    Transition((DraftStatus.DRAFTED, DraftStatus.DROPPED), "reopen", DraftStatus.RESEARCHING),
    labels=DraftStatus,
)
ACTION_LABELS = {
    "draft": gettext_lazy("标记为已起草"),
    "issue": gettext_lazy("标记为已出台"),
    "drop": gettext_lazy("不再推进"),
    "reopen": gettext_lazy("重新研究"),
}
FIELDS = ("title", "category", "problem", "proposal")


def _values(title, problem, category, proposal) -> dict:
    errors = {}
    title = (title or "").strip()
    problem = (problem or "").strip()
    if not title:
        errors["title"] = _("请填写标题。")
    elif len(title) > 200:
        errors["title"] = _("标题不能超过 200 个字。")
    if not problem:
        errors["problem"] = _("请写明企业遇到的问题与诉求。")
    if category and category not in PolicyCategory.values:
        errors["category"] = _("政策类别无效。")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "problem": problem,
        "category": category or "",
        "proposal": (proposal or "").strip(),
    }


def source_label_of(obj) -> str:
    """How a prompting record is named in the reserve: its type and its text."""
    return f"{obj._meta.verbose_name}：{obj}"[:200]


@transaction.atomic
def create_reserve_entry(
    department,
    *,
    actor,
    title: str,
    problem: str,
    category: str = "",
    proposal: str = "",
    source=None,
    source_label: str = "",
) -> PolicyDraft:
    """POL-05: put a policy idea in the reserve, led by ``department``, optionally linked to the
    record that prompted it (``source``: any saved model instance the actor may see). The label is
    kept with it, so the entry still says where it came from if the record goes away."""
    if actor is not None and not covers(
        actor, PolicyDraft, "add", region_code=department.region_id
    ):
        raise PermissionDenied(_("您无权为该部门登记政策储备。"))
    values = _values(title, problem, category, proposal)
    source_type, source_id = None, ""
    label = (source_label or "").strip()
    if source is not None:
        if source.pk is None:
            raise ValidationError({"source": _("来源记录不存在。")})
        manager = type(source)._default_manager
        if actor is not None and hasattr(manager, "visible_to"):
            if not can(actor, type(source), "view", obj=source):
                raise PermissionDenied(_("您无权查看该来源记录。"))
        source_type = ContentType.objects.get_for_model(source)
        source_id = str(source.pk)
        label = label or source_label_of(source)
    entry = PolicyDraft.objects.create(
        department=department,
        region_code=department.region_id,
        status=DraftStatus.RESEARCHING,
        source_type=source_type,
        source_id=source_id,
        source_label=label[:200],
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **values,
    )
    audit.record(
        "policy_reserve.create",
        actor=actor,
        obj=entry,
        changes={"title": [None, entry.title], "source": [None, entry.source_label]},
    )
    return entry


def _locked(entry, actor) -> PolicyDraft:
    if actor is not None and not can(actor, PolicyDraft, "change", obj=entry):
        raise PermissionDenied(_("您无权修改该政策储备。"))
    return PolicyDraft.objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def update_reserve_entry(
    entry, *, actor, title: str, problem: str, category: str = "", proposal: str = ""
) -> PolicyDraft:
    """Change the texts of an entry still being worked on."""
    entry = _locked(entry, actor)
    if entry.status in (DraftStatus.ISSUED, DraftStatus.DROPPED):
        raise ValidationError(_("已出台或不再推进的储备不能修改。"))
    values = _values(title, problem, category, proposal)
    before = audit.snapshot(entry, FIELDS)
    for name, value in values.items():
        setattr(entry, name, value)
    entry.save(update_fields=[*FIELDS, "updated_at"])
    audit.record(
        "policy_reserve.change",
        actor=actor,
        obj=entry,
        changes=audit.diff(before, audit.snapshot(entry, FIELDS)),
    )
    return entry


@transaction.atomic
def advance_reserve_entry(entry, action: str, *, actor, note: str = "", policy=None) -> PolicyDraft:
    """Move an entry along its lifecycle: ``draft`` (a text exists), ``issue`` (with the
    ``policy`` that came of it — any version of a policy the actor may see, linked back to the
    entry), ``drop`` (with the reason in ``note``), ``reopen``."""
    entry = _locked(entry, actor)
    note = (note or "").strip()
    if RESERVE_WORKFLOW.find(entry.status, action) is None:
        raise ValidationError(
            _("当前状态“%(status)s”下不能执行此操作。")
            % {"status": DraftStatus(entry.status).label}
        )
    if action == "drop" and not note:
        raise ValidationError({"note": _("请说明不再推进的原因。")})
    if action == "issue":
        if policy is None:
            raise ValidationError({"policy": _("请选择据此出台的政策。")})
        from sibao.policies.queries_catalogue import readable_policies

        if actor is not None and not readable_policies(actor).filter(pk=policy.pk).exists():
            raise PermissionDenied(_("您无权查看所选政策。"))
        Policy.objects.filter(series=policy.series).update(draft=entry)
    before = entry.status
    RESERVE_WORKFLOW.apply(entry, action, actor=actor, note=note, extra_fields=("updated_at",))
    audit.record(
        f"policy_reserve.{action}",
        actor=actor,
        obj=entry,
        changes={
            "status": [before, entry.status],
            **({"policy": [None, policy.series]} if policy is not None else {}),
        },
        note=note,
    )
    return entry
