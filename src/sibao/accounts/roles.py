"""Roles and what each may do with each model.

A grant (``RoleGrant``) gives a user one role over a region subtree, optionally narrowed to an
industry, a department or an enterprise. Which actions a role allows on a model is this table:
code, reviewed like code. Which rows the action reaches is the grant's scope (``core.scoping``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HQ_LEADER = "hq_leader", _("指挥部领导")
    HQ_OFFICE = "hq_office", _("指挥部办公室")
    DEPARTMENT_STAFF = "department_staff", _("行业主管部门")
    HEALTH_OFFICE = "health_office", _("卫健（疫情防控）")
    LIAISON_CADRE = "liaison_cadre", _("包保干部")
    ENTERPRISE_ADMIN = "enterprise_admin", _("企业防疫专班")
    CHECKPOINT_OFFICER = "checkpoint_officer", _("检查站执勤人员")
    LOGISTICS_COMPANY = "logistics_company", _("物流企业")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    DATA_FEED = "data_feed", _("外部数据接口")
    AUDITOR = "auditor", _("安全审计员")


VIEW = frozenset({"view"})
VIEW_EXPORT = frozenset({"view", "export"})

# Whitelist models a government role reads (the whitelist is the backbone every module reads).
WHITELIST_READ = {
    "enterprises.whitelistentry": VIEW_EXPORT,
    "enterprises.whitelistapplication": VIEW,
    "enterprises.whitelistchange": VIEW,
    "enterprises.whitelistbatch": VIEW,
    "enterprises.criteriaset": VIEW,
    "enterprises.enterprisefact": VIEW,
    "enterprises.supplylink": VIEW,
    "enterprises.pairing": VIEW,
    "enterprises.spotcheck": VIEW,
    "enterprises.responsibility": VIEW,
    "enterprises.selfassessment": VIEW,
    "enterprises.inclusionproposal": VIEW,
}

# Epidemic models every government role reads as aggregates and lists (masked personal data).
EPIDEMIC_UNIT_READ = {
    "epidemic.dailyreport": VIEW,
    "epidemic.preparedness": VIEW,
    "epidemic.drill": VIEW,
    "epidemic.samplinghouse": VIEW,
    "epidemic.riskarea": VIEW,
}
# What a unit keeps about itself (its admin, for its own unit only, by the grant's scope).
EPIDEMIC_UNIT_KEEP = {
    "epidemic.staffmember": frozenset({"view", "add", "change", "export"}),
    "epidemic.dailyreport": frozenset({"view", "add"}),
    "epidemic.preparedness": frozenset({"view", "change"}),
    "epidemic.drill": frozenset({"view", "add"}),
    "epidemic.samplinghouse": frozenset({"view", "add"}),
    "epidemic.goodslot": frozenset({"view", "add"}),
    "epidemic.arrivalreport": frozenset({"view", "change"}),
    "epidemic.sentinelalert": frozenset({"view", "change"}),
    "epidemic.riskarea": VIEW,
}

# A unit's spaces, codes and small units (EPI-05, EPI-13), as government roles read them.
PLACES_UNIT_READ = {
    "places.space": VIEW,
    "places.placecode": VIEW,
    "places.zone": VIEW,
    "places.team": VIEW,
    "places.shift": VIEW,
    "places.dormitoryroom": VIEW,
    "places.bubblegroup": VIEW,
}
# What a unit keeps about its places: the space tree and codes ("revoke" a code), badges, its
# small units, and its own scan log (masked; "checkout" everyone at one of its places).
PLACES_UNIT_KEEP = {
    "places.space": frozenset({"view", "add", "change"}),
    "places.placecode": frozenset({"view", "add", "revoke"}),
    "places.badge": frozenset({"view", "add", "revoke"}),
    "places.zone": frozenset({"view", "add", "change"}),
    "places.team": frozenset({"view", "add", "change"}),
    "places.shift": frozenset({"view", "add", "change"}),
    "places.dormitoryroom": frozenset({"view", "add", "change"}),
    "places.bubblegroup": frozenset({"view", "add", "change"}),
    "places.scan": frozenset({"view", "checkout"}),
}

# Support policies (POL-01 … POL-06): every government role reads the catalogue, the matches and
# the rates; departments keep the catalogue and the uptake ("grant", "pay"), enterprises see their
# own matches and "apply" / "confirm" receipt.
POLICIES_READ = {
    "policies.policy": VIEW,
    "policies.policymatch": VIEW_EXPORT,
    "policies.policydraft": VIEW,
    "policies.subsidycalculation": VIEW,
    "policies.followuptask": VIEW,
}

# Command (CMD-01 … CMD-06, INC-01 … INC-04). Emergency switches ("switch") belong to the HQs of
# the region; a shutdown needs both provincial bodies ("decide_epidemic" by the health office,
# "decide_dispatch" by the dispatch HQ — the actions check that the grant covers the province);
# inspections outside the protected purposes need the city dispatch HQ's approval ("approve").
COMMAND_READ = {
    "command.emergencyswitch": VIEW,
    "command.regionstate": VIEW,
    "command.loopplan": VIEW,
    "command.loopstatus": VIEW,
    "command.loopreport": VIEW,
    "command.citysupplyassignment": VIEW,
    "command.incident": VIEW,
    "command.silentperiod": VIEW,
    "command.shutdownrequest": VIEW,
    "command.restriction": VIEW,
    "command.inspectionrequest": VIEW,
    "command.protectedinspection": VIEW,
    "command.rewardpenalty": VIEW,
    "command.problem": VIEW,
    "command.consultation": VIEW,
    "command.consultationtask": VIEW,
}

# Demands and work orders (DEM-01 … DEM-06). Enterprises and their liaison cadres file demands
# ("add"; cadres also "import" what they collected on visits), withdraw them ("change") and "rate"
# the outcome; the office of each level takes them in ("accept": accept, reject, merge),
# "dispatch"es orders, "review"s replies (review, rework, close), "visit"s, "urge"s and "decide"s
# the handling units' requests and the enterprises' appeals; handling units "handle" the orders
# dispatched to their own department (workorders.access.handles).
WORKORDERS_READ = {
    "workorders.demand": VIEW_EXPORT,
    "workorders.workorder": VIEW_EXPORT,
    "workorders.attachment": VIEW,
    "workorders.appeal": VIEW,
    "workorders.returnrequest": VIEW,
    "workorders.extensionrequest": VIEW,
    "workorders.suspension": VIEW,
    "workorders.urging": VIEW,
    "workorders.visit": VIEW,
    "workorders.routingrule": VIEW,
    "workorders.commonissue": VIEW,
    "workorders.demandcluster": VIEW,
}
WORKORDERS_FILE = {
    "workorders.demand": frozenset({"view", "add", "change", "rate"}),
    "workorders.workorder": VIEW,
    "workorders.attachment": frozenset({"view", "add"}),
    "workorders.appeal": frozenset({"view", "add"}),
    "workorders.visit": VIEW,
    "workorders.urging": VIEW,
}

# Logistics (LOG-01 … LOG-06). Companies (and units for their own vehicles) register vehicles and
# drivers and "apply" for passes; the logistics group — the transport department's staff, or the
# HQ office — "decide"s them (approve, refuse, revoke); checkpoint officers "add" checks and
# samples; road closures are requested by offices and decided ("decide") only from a province-wide
# grant (the action checks it).
LOGISTICS_READ = {
    "logistics.vehicle": VIEW,
    "logistics.driver": VIEW,
    "logistics.vehiclepass": VIEW_EXPORT,
    "logistics.checkpoint": VIEW,
    "logistics.check": VIEW_EXPORT,
    "logistics.trip": VIEW,
    "logistics.tripsample": VIEW,
    "logistics.receivingpoint": VIEW,
    "logistics.deliveryplan": VIEW,
    "logistics.supplystation": VIEW,
    "logistics.roadclosurerequest": VIEW,
}
LOGISTICS_FLEET_KEEP = {
    "logistics.vehicle": frozenset({"view", "add", "change"}),
    "logistics.driver": frozenset({"view", "add", "change"}),
    "logistics.vehiclepass": frozenset({"view", "apply"}),
    "logistics.trip": frozenset({"view", "add", "change"}),
    "logistics.check": VIEW,
    "logistics.tripsample": VIEW,
    "logistics.checkpoint": VIEW,
    "logistics.roadclosurerequest": VIEW,
    "logistics.supplystation": VIEW,
}

# Monitoring (MON-01 … MON-05). Every government role reads the dashboard (its gate is reading early
# warnings), the warnings and the units' production reports; the HQs, departments and the health
# office "respond" to warnings (acknowledge, assign, open a work order or a consultation, resolve);
# a unit "add"s its own production report.
MONITORING_READ = {
    "command.earlywarning": VIEW,
    "enterprises.productionreport": VIEW_EXPORT,
}
MONITORING_RESPOND = {
    "command.earlywarning": frozenset({"view", "respond"}),
    "enterprises.productionreport": VIEW_EXPORT,
}
# The outbox (MON-05): messages to phones and other channels carry masked numbers only; the health
# office (whose reminders most of them are) and system administrators watch delivery, "change" a
# message (retry a failed one, cancel a pending one) and export the list.
OUTBOX_KEEP = {
    "core.outboxmessage": frozenset({"view", "export", "change"}),
}

# model label -> actions, per role. "view" is reading; "export" a file download; "unmask" reading
# personal data in the clear (audited); "change_rules" a new rule-set version. Whitelist actions:
# "apply" (an application), "review" (decide one), "adjust" (add/remove/tier between batches),
# "publish" (criteria, batches), "fuse" (remove for causing spread), "merge" (duplicate records).
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.HQ_LEADER: {
        **MONITORING_RESPOND,
        **LOGISTICS_READ,
        "logistics.roadclosurerequest": frozenset({"view", "decide"}),
        **WORKORDERS_READ,
        "workorders.workorder": frozenset({"view", "export", "urge"}),
        **COMMAND_READ,
        "command.regionstate": frozenset({"view", "switch"}),
        "command.shutdownrequest": frozenset({"view", "decide_dispatch"}),
        "command.rewardpenalty": frozenset({"view", "add"}),
        "command.problem": frozenset({"view", "escalate", "resolve"}),
        "command.consultation": frozenset({"view", "add"}),
        **POLICIES_READ,
        **PLACES_UNIT_READ,
        "places.tracingjob": VIEW,
        **WHITELIST_READ,
        **EPIDEMIC_UNIT_READ,
        "enterprises.enterprise": VIEW_EXPORT,
        "accounts.user": VIEW,
        "core.auditlog": VIEW,
    },
    Role.HQ_OFFICE: {
        **MONITORING_RESPOND,
        # production reports entered on behalf of units from a file (MON-03)
        "enterprises.productionreport": frozenset({"view", "export", "import"}),
        **LOGISTICS_READ,
        "logistics.vehiclepass": frozenset({"view", "export", "decide"}),
        "logistics.checkpoint": frozenset({"view", "add", "change"}),
        "logistics.deliveryplan": frozenset({"view", "add", "change"}),
        "logistics.supplystation": frozenset({"view", "add", "change", "activate"}),
        "logistics.roadclosurerequest": frozenset({"view", "add", "decide"}),
        **WORKORDERS_READ,
        "workorders.demand": frozenset({"view", "export", "accept", "import"}),
        "workorders.workorder": frozenset(
            {"view", "export", "dispatch", "handle", "review", "visit", "urge", "decide"}
        ),
        "workorders.attachment": frozenset({"view", "add"}),
        "workorders.appeal": frozenset({"view", "decide"}),
        "workorders.routingrule": frozenset({"view", "add", "change"}),
        "workorders.commonissue": frozenset({"view", "add", "change"}),
        **COMMAND_READ,
        "command.regionstate": frozenset({"view", "switch"}),
        "command.shutdownrequest": frozenset({"view", "request", "decide_dispatch"}),
        "command.restriction": frozenset({"view", "add", "change"}),
        "command.inspectionrequest": frozenset({"view", "approve"}),
        "command.rewardpenalty": frozenset({"view", "add"}),
        "command.problem": frozenset({"view", "add", "escalate", "resolve"}),
        "command.consultation": frozenset({"view", "add", "change"}),
        "command.consultationtask": frozenset({"view", "add", "change"}),
        **POLICIES_READ,
        "policies.policydraft": frozenset({"view", "add", "change"}),
        **PLACES_UNIT_READ,
        "places.tracingjob": VIEW,
        **WHITELIST_READ,
        **EPIDEMIC_UNIT_READ,
        "epidemic.staffmember": VIEW,
        "epidemic.arrivalreport": VIEW,
        "epidemic.sentinelalert": frozenset({"view", "change"}),
        "epidemic.samplinghouse": frozenset({"view", "change"}),
        "epidemic.goodslot": VIEW,
        "enterprises.enterprise": frozenset({"view", "export", "add", "change", "merge"}),
        "enterprises.enterprisefact": frozenset({"view", "add"}),
        "enterprises.whitelistentry": frozenset({"view", "export", "fuse"}),
        "enterprises.spotcheck": frozenset({"view", "add"}),
        "enterprises.supplylink": frozenset({"view", "add", "change"}),
        "enterprises.pairing": frozenset({"view", "add"}),
        "enterprises.responsibility": frozenset({"view", "change"}),
        "accounts.user": VIEW,
        "core.auditlog": VIEW,
        "core.rulesetversion": frozenset({"change_rules"}),
    },
    Role.DEPARTMENT_STAFF: {
        **MONITORING_RESPOND,
        # production reports entered on behalf of units from a file (MON-03)
        "enterprises.productionreport": frozenset({"view", "export", "import"}),
        **LOGISTICS_READ,
        "logistics.vehiclepass": frozenset({"view", "export", "decide"}),
        "logistics.checkpoint": frozenset({"view", "add", "change"}),
        "logistics.deliveryplan": frozenset({"view", "add", "change"}),
        "logistics.supplystation": frozenset({"view", "add", "change", "activate"}),
        **WORKORDERS_READ,
        "workorders.workorder": frozenset({"view", "export", "handle"}),
        "workorders.attachment": frozenset({"view", "add"}),
        "workorders.commonissue": frozenset({"view", "change"}),
        **COMMAND_READ,
        "command.inspectionrequest": frozenset({"view", "add", "change"}),
        "command.protectedinspection": frozenset({"view", "add", "change"}),
        "command.problem": frozenset({"view", "add"}),
        "command.consultationtask": frozenset({"view", "change"}),
        **POLICIES_READ,
        "policies.policy": frozenset({"view", "add", "change", "publish"}),
        "policies.policymatch": frozenset({"view", "export", "grant", "pay"}),
        "policies.policydraft": frozenset({"view", "add", "change"}),
        "policies.subsidycalculation": frozenset({"view", "add"}),
        "policies.followuptask": frozenset({"view", "change"}),
        **PLACES_UNIT_READ,
        **WHITELIST_READ,
        **EPIDEMIC_UNIT_READ,
        "enterprises.enterprise": frozenset({"view", "export", "add", "change", "merge"}),
        "enterprises.enterprisefact": frozenset({"view", "add"}),
        "enterprises.criteriaset": frozenset({"view", "add", "change", "publish"}),
        "enterprises.whitelistapplication": frozenset({"view", "apply", "review"}),
        "enterprises.whitelistentry": frozenset({"view", "export", "adjust", "fuse"}),
        "enterprises.whitelistbatch": frozenset({"view", "publish"}),
        "enterprises.inclusionproposal": frozenset({"view", "change"}),
        "enterprises.spotcheck": frozenset({"view", "add"}),
        "enterprises.supplylink": frozenset({"view", "add", "change"}),
        "enterprises.pairing": frozenset({"view", "add"}),
        "enterprises.responsibility": frozenset({"view", "change"}),
    },
    Role.HEALTH_OFFICE: {
        **MONITORING_RESPOND,
        **LOGISTICS_READ,
        "logistics.driver": frozenset({"view", "unmask"}),
        "logistics.tripsample": frozenset({"view", "change"}),
        **WORKORDERS_READ,
        "workorders.workorder": frozenset({"view", "export", "handle"}),
        "workorders.attachment": frozenset({"view", "add"}),
        **COMMAND_READ,
        "command.incident": frozenset({"view", "change"}),
        "command.silentperiod": frozenset({"view", "change"}),
        "command.shutdownrequest": frozenset({"view", "decide_epidemic"}),
        **PLACES_UNIT_READ,
        # tracing reads the scan log: only through a job that states its reason (audited)
        "places.tracingjob": frozenset({"view", "add", "export"}),
        "places.tracingcontact": frozenset({"view", "export", "unmask"}),
        "places.placecode": frozenset({"view", "revoke"}),
        **EPIDEMIC_UNIT_READ,
        # "rights": a person's export and deletion on request (PLAT-03, PIPL arts. 45, 47)
        "epidemic.staffmember": frozenset({"view", "export", "unmask", "rights"}),
        "epidemic.testresult": VIEW,
        "epidemic.healthcodechange": VIEW,
        "epidemic.itinerarychange": VIEW,
        "epidemic.drugpurchase": VIEW,
        "epidemic.feedbatch": VIEW,
        **OUTBOX_KEEP,
        "epidemic.arrivalreport": frozenset({"view", "change", "unmask"}),
        "epidemic.riskarea": frozenset({"view", "add", "change"}),
        "epidemic.sentinelalert": frozenset({"view", "change"}),
        "epidemic.goodslot": VIEW,
        "enterprises.enterprise": VIEW,
        "enterprises.whitelistentry": VIEW,
        "enterprises.spotcheck": VIEW,
        "enterprises.responsibility": VIEW,
        "accounts.user": frozenset({"view"}),
    },
    Role.LIAISON_CADRE: {
        **MONITORING_READ,
        "logistics.vehicle": VIEW,
        "logistics.vehiclepass": VIEW,
        "logistics.trip": VIEW,
        "logistics.receivingpoint": VIEW,
        **WORKORDERS_FILE,
        "workorders.demand": frozenset({"view", "add", "change", "rate", "import"}),
        "workorders.workorder": frozenset({"view", "visit"}),
        "workorders.visit": frozenset({"view", "add"}),
        **COMMAND_READ,
        "command.restriction": frozenset({"view", "add"}),
        "command.problem": frozenset({"view", "add"}),
        "policies.policy": VIEW,
        "policies.policymatch": VIEW,
        **PLACES_UNIT_READ,
        **EPIDEMIC_UNIT_READ,
        "epidemic.staffmember": VIEW,
        "epidemic.sentinelalert": VIEW,
        "epidemic.arrivalreport": VIEW,
        "enterprises.enterprise": VIEW,
        "enterprises.enterprisefact": VIEW,
        "enterprises.whitelistentry": VIEW,
        "enterprises.whitelistapplication": frozenset({"view", "apply"}),
        "enterprises.whitelistchange": VIEW,
        "enterprises.supplylink": VIEW,
        "enterprises.pairing": VIEW,
        "enterprises.responsibility": VIEW,
        "enterprises.selfassessment": VIEW,
    },
    Role.ENTERPRISE_ADMIN: {
        "enterprises.productionreport": frozenset({"view", "add"}),
        **LOGISTICS_FLEET_KEEP,
        "logistics.receivingpoint": frozenset({"view", "add", "change"}),
        **WORKORDERS_FILE,
        "command.regionstate": VIEW,
        "command.loopplan": frozenset({"view", "change"}),
        "command.loopstatus": VIEW,
        "command.loopreport": frozenset({"view", "add"}),
        "command.citysupplyassignment": frozenset({"view", "add", "change"}),
        "command.incident": frozenset({"view", "add", "change"}),
        "command.silentperiod": frozenset({"view", "add", "change"}),
        "command.shutdownrequest": VIEW,
        "command.restriction": frozenset({"view", "add"}),
        "command.inspectionrequest": VIEW,
        "command.protectedinspection": VIEW,
        "command.rewardpenalty": VIEW,
        "policies.policy": VIEW,
        "policies.policymatch": frozenset({"view", "apply", "confirm"}),
        "policies.subsidycalculation": frozenset({"view", "add"}),
        **PLACES_UNIT_KEEP,
        **EPIDEMIC_UNIT_KEEP,
        "enterprises.enterprise": frozenset({"view", "change"}),
        "enterprises.enterprisefact": frozenset({"view", "add"}),
        "enterprises.whitelistentry": VIEW,
        "enterprises.whitelistapplication": frozenset({"view", "apply"}),
        "enterprises.whitelistchange": VIEW,
        "enterprises.supplylink": frozenset({"view", "add"}),
        "enterprises.pairing": frozenset({"view", "confirm"}),
        "enterprises.spotcheck": VIEW,
        "enterprises.responsibility": frozenset({"view", "change"}),
        "enterprises.selfassessment": frozenset({"view", "add"}),
    },
    Role.CHECKPOINT_OFFICER: {
        "logistics.checkpoint": VIEW,
        "logistics.vehiclepass": VIEW,
        "logistics.check": frozenset({"view", "add"}),
        "logistics.tripsample": frozenset({"view", "add"}),
        "logistics.trip": VIEW,
    },
    Role.LOGISTICS_COMPANY: {
        **LOGISTICS_FLEET_KEEP,
        "enterprises.enterprise": VIEW,
    },
    # a system feeding data (laboratories, the health-code platform, 豫事办, sentinel pharmacies)
    Role.DATA_FEED: {
        "epidemic.feedbatch": frozenset({"ingest"}),
    },
    # MLPS 2.0 level 3 separation of duties: the system administrator manages accounts and
    # grants but does not read the audit trail; the security auditor reads and exports it across
    # the grant's region and "verify"s the hash chain (core.auditchain). One user never holds both
    # (accounts.actions.grant_role).
    Role.SYSTEM_ADMIN: {
        "epidemic.feedbatch": VIEW,
        **OUTBOX_KEEP,
        "enterprises.enterprise": VIEW,
        "accounts.user": frozenset({"view", "add", "change", "unmask"}),
        "accounts.rolegrant": frozenset({"view", "add", "change"}),
        "core.rulesetversion": frozenset({"change_rules"}),
    },
    Role.AUDITOR: {
        "core.auditlog": frozenset({"view", "export", "verify"}),
    },
}

# Roles one user may not hold together (separation of duties, MLPS 2.0 level 3).
EXCLUSIVE_ROLES = (frozenset({Role.SYSTEM_ADMIN, Role.AUDITOR}),)

# Privileged roles must pass a second factor (MLPS 2.0 level 3: two-factor for privileged users;
# health staff read health data).
REQUIRES_TWO_FACTOR = frozenset({Role.SYSTEM_ADMIN, Role.AUDITOR, Role.HEALTH_OFFICE})

# What a grant of the role must name besides its region.
REQUIRED_TARGET = {
    Role.DEPARTMENT_STAFF: "department",
    Role.ENTERPRISE_ADMIN: "enterprise",
    Role.LIAISON_CADRE: "enterprise",
    Role.LOGISTICS_COMPANY: "enterprise",
}

# Roles whose rule-set changes are accepted only from a province-wide grant.
PROVINCE_ONLY_ACTIONS = {"change_rules"}


def role_allows(role: str, model_label: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, {}).get(model_label, frozenset())
