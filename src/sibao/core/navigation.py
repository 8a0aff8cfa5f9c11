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

    def allowed(self, user) -> bool:
        if self.permission is None:
            return True
        model = apps.get_model(self.permission[0])
        return can(user, model, self.permission[1])


NAV_ITEMS = (
    NavItem(_("首页"), "core:home"),
    NavItem(_("企业（项目）"), "enterprises:enterprise_list", ("enterprises.enterprise", "view")),
    # --- criteria, facts, applications, review (WL-03, WL-04, WL-11) ---
    NavItem(_("入选标准"), "enterprises:criteria_list", ("enterprises.criteriaset", "view")),
    NavItem(
        _("白名单申报"),
        "enterprises:application_list",
        ("enterprises.whitelistapplication", "view"),
    ),
    # --- whitelist entries, batches, tiers, coverage (WL-05, WL-06, WL-07) ---
    NavItem(_("白名单"), "enterprises:whitelist_list", ("enterprises.whitelistentry", "view")),
    NavItem(_("白名单批次"), "enterprises:batch_list", ("enterprises.whitelistbatch", "view")),
    # coverage is a regional figure: shown to the roles that also read batches (not to a unit)
    NavItem(_("覆盖率"), "enterprises:coverage", ("enterprises.whitelistbatch", "view")),
    # --- chain links, proposals, pairings, spot checks, fuse, responsibility (WL-08..10, ORG-06) ---
    NavItem(_("产业链"), "enterprises:supply_link_list", ("enterprises.supplylink", "view")),
    NavItem(_("链式推荐"), "enterprises:proposal_list", ("enterprises.inclusionproposal", "view")),
    NavItem(_("结对合作"), "enterprises:pairing_list", ("enterprises.pairing", "view")),
    NavItem(_("防控抽查"), "enterprises:spot_check_list", ("enterprises.spotcheck", "view")),
    NavItem(_("行政区划"), "regions:region_list"),
    NavItem(_("组织机构"), "regions:headquarters_list"),
    NavItem(_("用户"), "accounts:user_list", ("accounts.user", "view")),
    NavItem(_("审计日志"), "core:audit_list", ("core.auditlog", "view")),
    NavItem(_("规则参数"), "core:rule_list"),
)


def navigation_for(request) -> list[dict]:
    user = request.user
    if not has_any_grant(user):
        return []
    items = []
    for item in NAV_ITEMS:
        if item.allowed(user):
            url = reverse(item.url_name)
            is_active = request.path == url if url == "/" else request.path.startswith(url)
            items.append({"label": item.label, "url": url, "is_active": is_active})
    return items
