"""Row-level access: one entry point, ``Model.objects.visible_to(user, action)``.

A scoped model declares where its scope keys are (``scope = Scope(region="region_code", ...)``);
the caller's role grants decide which rows match. Grants are data (``accounts.RoleGrant``); what a
role may do with a model is the table in ``accounts.roles``.
"""

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Scope:
    """Where a model keeps its scope keys, as ORM lookup paths.

    ``region`` leads to a GB/T 2260 code string (``41``, ``4101``, ``410102``): a grant on a region
    covers every row whose code starts with the grant's code. ``enterprise`` leads to the owning
    enterprise's id and ``industry`` to the industry domain code; a model without them cannot be
    seen through a grant restricted to an enterprise (resp. is not narrowed by industry).

    A row that belongs to two parties (a pairing, a supply link) gives a tuple of paths: it is in
    scope when any of them is.
    """

    region: str | tuple[str, ...]
    enterprise: str | tuple[str, ...] | None = None
    industry: str | None = None


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """The rows ``user`` may ``action`` (view, change, export, unmask …); none for anonymous."""
        from sibao.accounts.access import scope_filter

        return self.filter(scope_filter(user, self.model, action))


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
