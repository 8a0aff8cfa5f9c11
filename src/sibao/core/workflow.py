"""Lifecycles as data (architecture §3): a status field, a transition table, an append-only history.

A model with a lifecycle declares ``workflow = Workflow(Transition(...), ...)``; its actions call
``workflow.apply(obj, "approve", actor=...)``, which checks the transition and the actor's role,
sets the status, saves it and appends a ``TransitionRecord``. The caller keeps its own permission
check on the object (scope) and its audit row.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Transition:
    source: str | tuple[str, ...]
    action: str
    target: str
    roles: frozenset[str] | None = None  # None: any role the caller's permission check allowed
    deadline_parameter: str | None = None  # rule-set key for the deadline of the target state

    def leaves(self, status: str) -> bool:
        sources = (self.source,) if isinstance(self.source, str) else self.source
        return status in sources


class Workflow:
    def __init__(self, *transitions: Transition, field: str = "status", labels=None):
        self.transitions = transitions
        self.field = field
        self.labels = labels  # the TextChoices of the status field, for messages

    def _label(self, status):
        if self.labels is None:
            return status
        try:
            return self.labels(status).label
        except ValueError:
            return status

    def find(self, status: str, action: str) -> Transition | None:
        for transition in self.transitions:
            if transition.action == action and transition.leaves(status):
                return transition
        return None

    def actions_from(self, status: str, roles=None) -> list[str]:
        """The actions allowed from ``status`` (for the given roles, when given)."""
        roles = set(roles) if roles is not None else None
        found = []
        for t in self.transitions:
            if not t.leaves(status) or t.action in found:
                continue
            if roles is not None and t.roles is not None and not (roles & t.roles):
                continue
            found.append(t.action)
        return found

    def apply(self, obj, action: str, *, actor=None, note: str = "", extra_fields=(), at=None):
        """Move ``obj`` along ``action``; save the status and ``extra_fields``; record history."""
        from sibao.core.models import TransitionRecord

        status = getattr(obj, self.field)
        transition = self.find(status, action)
        if transition is None:
            raise ValidationError(
                _("当前状态“%(status)s”下不能执行此操作。") % {"status": self._label(status)}
            )
        if transition.roles is not None and actor is not None:
            if not set(actor.roles()) & transition.roles:
                raise PermissionDenied(_("您的角色不能执行此操作。"))
        setattr(obj, self.field, transition.target)
        obj.save(update_fields=[self.field, *extra_fields])
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        TransitionRecord.objects.create(
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            action=action,
            source=status,
            target=transition.target,
            actor=actor if authenticated else None,
            actor_name=str(actor)[:150] if authenticated else "",
            note=note,
            at=at or timezone.now(),
            region_code=getattr(obj, "region_code", "") or "",
            enterprise_id=getattr(obj, "enterprise_id", None),
        )
        return transition

    def history(self, obj):
        from sibao.core.models import TransitionRecord

        return TransitionRecord.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).select_related("actor")
