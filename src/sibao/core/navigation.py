"""The main navigation: each entry shows only to users whose grants allow its permission."""

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import can, has_any_grant


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: tuple[str, str] | None = None  # (model label, action)
    icon: str = ""
    group: str | None = None

    def allowed(self, user) -> bool:
        if self.permission is None:
            return True
        model = apps.get_model(self.permission[0])
        return can(user, model, self.permission[1])


# Entries in a group (``group`` set) are shown together in one dropdown, in this order; a group is
# shown only if at least one of its entries is allowed.
G_WHITELIST = _("白名单")
G_CHAIN = _("产业链")
G_EPIDEMIC = _("疫情信息")
G_PLACES = _("场所码")
G_POLICIES = _("政策助力")
G_COMMAND = _("指挥调度")
G_DEMANDS = _("问题交办")
G_LOGISTICS = _("物流保通")
G_MONITOR = _("运行监测")
# reference data and administration share one menu, so that the header fits at 1366 px
G_SYSTEM = _("系统")
G_REFERENCE = G_SYSTEM

NAV_ITEMS = (
    NavItem(_("首页"), "core:home"),
    # monitoring: entries go in the G_MONITOR group, under each area's marker
    # --- board: the one-screen dashboard (MON-01) ---
    NavItem(_("一屏掌控"), "dashboard:board", ("command.earlywarning", "view"), group=G_MONITOR),
    # --- warnings: early warnings (MON-02) ---
    NavItem(
        _("监测预警"), "command:warning_list", ("command.earlywarning", "view"), group=G_MONITOR
    ),
    # --- production: production status (MON-03) ---
    NavItem(
        _("生产经营状况"),
        "enterprises:production_list",
        ("enterprises.productionreport", "view"),
        group=G_MONITOR,
    ),
    # --- reports: daily and weekly reports (MON-04) ---
    NavItem(
        _("日报周报"), "dashboard:report_list", ("command.earlywarning", "view"), group=G_MONITOR
    ),
    NavItem(_("企业（项目）"), "enterprises:enterprise_list", ("enterprises.enterprise", "view")),
    # --- criteria, facts, applications, review (WL-03, WL-04, WL-11) ---
    NavItem(
        _("入选标准"),
        "enterprises:criteria_list",
        ("enterprises.criteriaset", "view"),
        group=G_WHITELIST,
    ),
    NavItem(
        _("白名单申报"),
        "enterprises:application_list",
        ("enterprises.whitelistapplication", "view"),
        group=G_WHITELIST,
    ),
    # --- whitelist entries, batches, tiers, coverage (WL-05, WL-06, WL-07) ---
    NavItem(
        _("白名单单位"),
        "enterprises:whitelist_list",
        ("enterprises.whitelistentry", "view"),
        group=G_WHITELIST,
    ),
    NavItem(
        _("白名单批次"),
        "enterprises:batch_list",
        ("enterprises.whitelistbatch", "view"),
        group=G_WHITELIST,
    ),
    # coverage is a regional figure: shown to the roles that also read batches (not to a unit)
    NavItem(
        _("覆盖率"),
        "enterprises:coverage",
        ("enterprises.whitelistbatch", "view"),
        group=G_WHITELIST,
    ),
    # --- chain links, proposals, pairings, spot checks, fuse, responsibility (WL-08..10, ORG-06) ---
    NavItem(
        _("产业链"),
        "enterprises:supply_link_list",
        ("enterprises.supplylink", "view"),
        group=G_CHAIN,
    ),
    NavItem(
        _("链式推荐"),
        "enterprises:proposal_list",
        ("enterprises.inclusionproposal", "view"),
        group=G_CHAIN,
    ),
    NavItem(
        _("结对合作"), "enterprises:pairing_list", ("enterprises.pairing", "view"), group=G_CHAIN
    ),
    NavItem(
        _("防控抽查"),
        "enterprises:spot_check_list",
        ("enterprises.spotcheck", "view"),
        group=G_CHAIN,
    ),
    # epidemic information: entries go in the G_EPIDEMIC group, under each area's marker
    # --- roster: rosters, code protection, vaccination (EPI-01, EPI-12, EPI-17) ---
    NavItem(
        _("员工花名册"),
        "epidemic:staff_list",
        ("epidemic.staffmember", "view"),
        group=G_EPIDEMIC,
    ),
    NavItem(
        _("赋码保护名单"),
        "epidemic:protection_list",
        ("epidemic.staffmember", "view"),
        group=G_EPIDEMIC,
    ),
    # --- feeds: feeds, 两码一证, simulator (EPI-02, EPI-03) ---
    NavItem(
        _("两码一证查询"),
        "epidemic:person_status",
        ("epidemic.testresult", "view"),
        group=G_EPIDEMIC,
    ),
    NavItem(
        _("数据报送批次"),
        "epidemic:feedbatch_list",
        ("epidemic.feedbatch", "view"),
        group=G_EPIDEMIC,
    ),
    # --- compliance: test compliance, sentinel, reminders (EPI-04, EPI-10) ---
    NavItem(
        _("超时未检人员"),
        "epidemic:compliance_overdue",
        ("epidemic.staffmember", "view"),
        group=G_EPIDEMIC,
    ),
    NavItem(
        _("检测合规率"),
        "epidemic:compliance_regions",
        ("epidemic.staffmember", "view"),
        group=G_EPIDEMIC,
    ),
    NavItem(
        _("电子哨预警"),
        "epidemic:alert_list",
        ("epidemic.sentinelalert", "view"),
        group=G_EPIDEMIC,
    ),
    # --- arrivals: arrivals, risk areas, coding (EPI-08, EPI-09) ---
    NavItem(
        _("来（返）豫报备"),
        "epidemic:arrival_list",
        ("epidemic.arrivalreport", "view"),
        group=G_EPIDEMIC,
    ),
    NavItem(
        _("风险区域"), "epidemic:risk_area_list", ("epidemic.riskarea", "view"), group=G_EPIDEMIC
    ),
    # --- units: daily reports, preparedness, sampling houses, goods (EPI-11, EPI-14..16) ---
    # region pages; a unit admin is taken to its own unit's page
    NavItem(
        _("健康日报"),
        "epidemic:daily_report_missing",
        ("epidemic.dailyreport", "view"),
        group=G_EPIDEMIC,
    ),
    NavItem(
        _("常态常备"),
        "epidemic:readiness_list",
        ("epidemic.preparedness", "view"),
        group=G_EPIDEMIC,
    ),
    NavItem(
        _("核酸采样屋"),
        "epidemic:sampling_house_region",
        ("epidemic.samplinghouse", "view"),
        group=G_EPIDEMIC,
    ),
    NavItem(_("物料追溯"), "epidemic:goods_list", ("epidemic.goodslot", "view"), group=G_EPIDEMIC),
    NavItem(
        _("个人信息权利请求"),
        "epidemic:person_rights",
        ("epidemic.staffmember", "rights"),
        group=G_EPIDEMIC,
    ),
    # places: entries go in the G_PLACES group, under each area's marker
    # --- spaces: space tree, place codes, sheets, coverage, badges (EPI-05) ---
    # the region coverage list; a unit admin is taken to its own unit's space tree
    NavItem(_("场所码管理"), "places:coverage", ("places.space", "view"), group=G_PLACES),
    # --- scans: scan lists, owner check-out (EPI-06) ---
    NavItem(_("扫码记录"), "places:scan_home", ("places.scan", "view"), group=G_PLACES),
    NavItem(_("在场人员"), "places:presence_home", ("places.scan", "view"), group=G_PLACES),
    # --- zones: zones, teams, shifts, dormitory rooms, bubble groups (EPI-13) ---
    # the region list of units with findings; a unit admin is taken to its own unit's page
    NavItem(_("划小单元"), "places:zones_region", ("places.zone", "view"), group=G_PLACES),
    # --- tracing: tracing jobs, contacts, export (EPI-07) ---
    NavItem(_("流调任务"), "places:tracing_list", ("places.tracingjob", "view"), group=G_PLACES),
    # support policies: entries go in the G_POLICIES group, under each area's marker
    # --- catalogue: policies, versions, conditions, preview, publishing, reserve (POL-01, POL-05) ---
    NavItem(
        _("政策库"),
        "policies:catalogue_list",
        ("policies.policy", "view"),
        group=G_POLICIES,
    ),
    NavItem(
        _("政策储备"),
        "policies:reserve_list",
        ("policies.policydraft", "view"),
        group=G_POLICIES,
    ),
    # --- matching: matching, explanations, self-check (POL-02, POL-04) ---
    # officials find the enterprises of a policy; an enterprise's admin checks its own policies
    NavItem(
        _("政策找企"),
        "policies:matching_index",
        ("policies.policymatch", "export"),
        group=G_POLICIES,
    ),
    NavItem(
        _("我的政策"),
        "policies:matching_mine",
        ("policies.policymatch", "apply"),
        group=G_POLICIES,
    ),
    # --- uptake: push, uptake tracking, rates, follow-ups, calculators (POL-03, POL-06) ---
    # an enterprise's admin gets its own policies with their progress under the same entry
    NavItem(
        _("兑现跟踪"),
        "policies:uptake_index",
        ("policies.policymatch", "view"),
        group=G_POLICIES,
    ),
    NavItem(
        _("补贴测算"),
        "policies:subsidy_index",
        ("policies.subsidycalculation", "view"),
        group=G_POLICIES,
    ),
    # command: entries go in the G_COMMAND group, under each area's marker
    # --- emergency: emergency switch, closed loops, loop reports, city supply (CMD-01, CMD-02, CMD-06) ---
    # the joint-office view; a unit admin is taken to its own unit's loop page
    NavItem(
        _("平急转换"), "command:emergency_index", ("command.regionstate", "view"), group=G_COMMAND
    ),
    NavItem(
        _("闭环管理"), "command:emergency_loops", ("command.loopstatus", "view"), group=G_COMMAND
    ),
    NavItem(
        _("平急转换记录"),
        "command:emergency_switches",
        ("command.emergencyswitch", "view"),
        group=G_COMMAND,
    ),
    # --- incidents: incidents, steps and clocks, silent periods, emergency plans (INC-01, INC-02, INC-04) ---
    NavItem(_("应急处置"), "command:incident_list", ("command.incident", "view"), group=G_COMMAND),
    # --- oversight: shutdown requests, restrictions, inspections, rewards and penalties (INC-03, CMD-04, CMD-05) ---
    NavItem(
        _("停产审批"),
        "command:shutdown_list",
        ("command.shutdownrequest", "view"),
        group=G_COMMAND,
    ),
    NavItem(
        _("涉企检查"),
        "command:inspection_list",
        ("command.inspectionrequest", "view"),
        group=G_COMMAND,
    ),
    NavItem(
        _("奖惩"),
        "command:reward_list",
        ("command.rewardpenalty", "view"),
        group=G_COMMAND,
    ),
    # --- escalation: problems, escalation, consultations, tasks (CMD-03) ---
    NavItem(_("协调事项"), "command:problem_list", ("command.problem", "view"), group=G_COMMAND),
    NavItem(
        _("联合会商"),
        "command:consultation_list",
        ("command.consultation", "view"),
        group=G_COMMAND,
    ),
    NavItem(
        _("会商交办任务"),
        "command:consultation_task_list",
        ("command.consultationtask", "view"),
        group=G_COMMAND,
    ),
    # demands and work orders: entries go in the G_DEMANDS group, under each area's marker
    # --- intake: demand filing, attachments, bulk import, intake queue, demand page (DEM-01) ---
    NavItem(
        _("企业诉求"),
        "workorders:demand_list",
        ("workorders.demand", "view"),
        group=G_DEMANDS,
    ),
    NavItem(
        _("诉求受理"),
        "workorders:intake_queue",
        ("workorders.demand", "accept"),
        group=G_DEMANDS,
    ),
    # --- orders: routing, dispatch, handling queue, sign, reply, return, extension, suspension, escalation (DEM-02) ---
    NavItem(
        _("工单办理"),
        "workorders:order_list",
        ("workorders.workorder", "view"),
        group=G_DEMANDS,
    ),
    NavItem(
        _("派单规则"),
        "workorders:routing_rule_list",
        ("workorders.routingrule", "view"),
        group=G_DEMANDS,
    ),
    # --- clocks: reminders, urging, automatic escalation, metrics, supervisor view (DEM-03) ---
    # metrics are the government's view of its units ("export": no enterprise-bound grant has it)
    NavItem(
        _("办理统计"), "workorders:metrics", ("workorders.workorder", "export"), group=G_DEMANDS
    ),
    NavItem(
        _("督查督办"), "workorders:supervision", ("workorders.workorder", "urge"), group=G_DEMANDS
    ),
    # --- followup: review, rework, visits, enterprise rating, appeals, whole history (DEM-05) ---
    NavItem(
        _("回访核实"),
        "workorders:visit_queue",
        ("workorders.workorder", "visit"),
        group=G_DEMANDS,
    ),
    # --- common: similar demands, clusters, common issues, batch handling, policy reserve (DEM-04) ---
    NavItem(
        _("共性问题"),
        "workorders:issue_list",
        ("workorders.commonissue", "view"),
        group=G_DEMANDS,
    ),
    NavItem(
        _("相似诉求聚类"),
        "workorders:cluster_list",
        ("workorders.demandcluster", "view"),
        group=G_DEMANDS,
    ),
    # --- cadres: liaison cadres, their units and overdue items, demo data (DEM-06) ---
    # "我的包保企业": ("workorders.visit", "add") is held by liaison cadres only (the cadre's visit
    # right); the page itself admits holders of a liaison_cadre grant (queries_cadres.is_cadre)
    NavItem(_("我的包保企业"), "workorders:my_units", ("workorders.visit", "add"), group=G_DEMANDS),
    # "包保干部": the offices, who dispatch (system administrators reach the page by its address)
    NavItem(
        _("包保干部"),
        "workorders:cadre_assignments",
        ("workorders.workorder", "dispatch"),
        group=G_DEMANDS,
    ),
    # logistics: entries go in the G_LOGISTICS group, under each area's marker
    # --- fleet: vehicles, drivers, transport whitelist, demo data (LOG-01) ---
    NavItem(_("车辆"), "logistics:vehicle_list", ("logistics.vehicle", "view"), group=G_LOGISTICS),
    NavItem(_("驾驶员"), "logistics:driver_list", ("logistics.driver", "view"), group=G_LOGISTICS),
    # --- passes: pass applications, decisions, signed QR passes, revocation list (LOG-02) ---
    NavItem(
        _("通行证"), "logistics:pass_list", ("logistics.vehiclepass", "view"), group=G_LOGISTICS
    ),
    # --- checkpoint: checkpoints, green-channel verification, check log (LOG-03) ---
    NavItem(
        _("检查站"),
        "logistics:checkpoint_list",
        ("logistics.checkpoint", "view"),
        group=G_LOGISTICS,
    ),
    NavItem(
        _("核验记录"),
        "logistics:check_list",
        ("logistics.check", "view"),
        group=G_LOGISTICS,
    ),
    # --- trips: closed-loop trips, sample-and-go, late positives (LOG-04) ---
    NavItem(_("闭环运输"), "logistics:trip_list", ("logistics.trip", "view"), group=G_LOGISTICS),
    # --- lastmile: receiving points, delivery plans, supply stations, road closures, green channels, toll discounts (LOG-05, LOG-06) ---
    NavItem(
        _("末端配送"),
        "logistics:receiving_point_list",
        ("logistics.receivingpoint", "view"),
        group=G_LOGISTICS,
    ),
    NavItem(
        _("中转接驳站点"),
        "logistics:station_list",
        ("logistics.supplystation", "view"),
        group=G_LOGISTICS,
    ),
    NavItem(
        _("道路管控"),
        "logistics:closure_list",
        ("logistics.roadclosurerequest", "view"),
        group=G_LOGISTICS,
    ),
    NavItem(_("行政区划"), "regions:region_list", group=G_REFERENCE),
    NavItem(_("组织机构"), "regions:headquarters_list", group=G_REFERENCE),
    NavItem(_("规则参数"), "core:rule_list", group=G_REFERENCE),
    NavItem(_("用户"), "accounts:user_list", ("accounts.user", "view"), group=G_SYSTEM),
    NavItem(_("审计日志"), "core:audit_list", ("core.auditlog", "view"), group=G_SYSTEM),
    # --- outbox: messages to phones and other channels, delivery and retries (MON-05) ---
    NavItem(_("外发消息"), "core:outbox_list", ("core.outboxmessage", "view"), group=G_SYSTEM),
)


def navigation_for(request) -> list[dict]:
    """The allowed entries: plain links, and groups (``children``) shown as dropdowns."""
    user = request.user
    if not has_any_grant(user):
        return []
    allowed = [(item, reverse(item.url_name)) for item in NAV_ITEMS if item.allowed(user)]
    # the one entry whose address is the longest prefix of this page's is the current one
    matching = [
        url
        for _, url in allowed
        if request.path == url or (url != "/" and request.path.startswith(url))
    ]
    current = max(matching, key=len, default=None)
    items, groups = [], {}
    for item, url in allowed:
        entry = {"label": item.label, "url": url, "is_active": url == current}
        if item.group is None:
            items.append(entry)
            continue
        group = groups.get(item.group)
        if group is None:
            group = groups[item.group] = {"label": item.group, "children": [], "is_active": False}
            items.append(group)
        group["children"].append(entry)
        group["is_active"] = group["is_active"] or entry["is_active"]
    return items
