"""Who handles and who dispatches a work order, beyond the role table (accounts.roles).

A role's scope says which orders a user may *see*; handling is narrower: the staff of the
department the order is dispatched to (a ``department_staff`` grant naming that department, or a
``health_office`` grant over its region for the health department's orders). The office
(``hq_office``) of the order's level dispatches, reviews, visits and closes; it may also act for a
handling unit of its level (an office often signs on a department's behalf in practice)."""

from sibao.accounts.access import allowing_grants
from sibao.accounts.roles import Role

__all__ = ["handles", "is_office_of", "office_grants", "user_departments"]


def user_departments(user) -> list[int]:
    """Ids of the departments whose staff ``user`` is (department_staff grants)."""
    if user is None or not user.is_authenticated:
        return []
    return sorted(
        {
            g.department_id
            for g in user.active_grants()
            if g.role == Role.DEPARTMENT_STAFF and g.department_id
        }
    )


def office_grants(user, action: str = "dispatch", model_label: str = "workorders.workorder"):
    """The ``hq_office``/``hq_leader`` grants allowing ``action`` (for the dispatcher's queue)."""
    return [
        g
        for g in allowing_grants(user, model_label, action)
        if g.role in (Role.HQ_OFFICE, Role.HQ_LEADER)
    ]


def is_office_of(user, region_code: str, action: str = "dispatch") -> bool:
    """Whether ``user`` holds an office grant on exactly the level ``region_code`` (its HQ), or
    above it (a city office may act on a county's orders)."""
    return any(region_code.startswith(g.region_id) for g in office_grants(user, action))


def handles(user, order) -> bool:
    """Whether ``user`` may sign, reply, return, suspend or escalate ``order``."""
    if user is None or not user.is_authenticated:
        return False
    for grant in allowing_grants(user, "workorders.workorder", "handle"):
        if grant.role == Role.DEPARTMENT_STAFF and grant.department_id == order.department_id:
            return True
        if (
            grant.role == Role.HEALTH_OFFICE
            and order.department.kind == "health"
            and order.department.region_id.startswith(grant.region_id)
        ):
            return True
        if grant.role == Role.HQ_OFFICE and grant.region_id == order.department.region_id:
            return True
    return False
