from django.urls import path  # noqa: F401

from sibao.epidemic.views import arrivals as arrival_views
from sibao.epidemic.views import compliance as compliance_views  # compliance area
from sibao.epidemic.views import feeds as feed_views  # feeds area
from sibao.epidemic.views import rights as rights_views  # rights area (PLAT-03)
from sibao.epidemic.views import roster as roster_views
from sibao.epidemic.views import units as unit_views  # units area

app_name = "epidemic"
urlpatterns = [
    # --- roster: rosters, code protection, vaccination (EPI-01, EPI-12, EPI-17) ---
    path("staff/", roster_views.StaffListView.as_view(), name="staff_list"),
    path("staff/find/", roster_views.StaffFindView.as_view(), name="staff_find"),
    path("staff/<int:pk>/", roster_views.StaffDetailView.as_view(), name="staff_detail"),
    path("staff/<int:pk>/edit/", roster_views.StaffUpdateView.as_view(), name="staff_update"),
    path(
        "staff/<int:pk>/deactivate/",
        roster_views.StaffDeactivateView.as_view(),
        name="staff_deactivate",
    ),
    path(
        "staff/<int:pk>/reactivate/",
        roster_views.StaffReactivateView.as_view(),
        name="staff_reactivate",
    ),
    path("staff/<int:pk>/reveal/", roster_views.StaffRevealView.as_view(), name="staff_reveal"),
    path(
        "staff/import/template.xlsx",
        roster_views.StaffImportTemplateView.as_view(),
        name="staff_import_template",
    ),
    path(
        "staff/import/report.xlsx",
        roster_views.StaffImportReportView.as_view(),
        name="staff_import_report",
    ),
    path("units/<int:pk>/staff/", roster_views.UnitStaffListView.as_view(), name="unit_staff"),
    path("units/<int:pk>/staff/new/", roster_views.StaffCreateView.as_view(), name="staff_create"),
    path(
        "units/<int:pk>/staff/import/",
        roster_views.StaffImportView.as_view(),
        name="staff_import",
    ),
    path(
        "units/<int:pk>/staff/panel/",
        roster_views.UnitStaffPanelView.as_view(),
        name="unit_staff_panel",
    ),
    path("code-protection/", roster_views.ProtectionListView.as_view(), name="protection_list"),
    path(
        "code-protection/export/",
        roster_views.ProtectionExportView.as_view(),
        name="protection_export",
    ),
    # --- rights: a person's export and deletion on request (PLAT-03) ---
    path("person-rights/", rights_views.PersonRightsView.as_view(), name="person_rights"),
    # --- feeds: feeds, 两码一证, simulator (EPI-02, EPI-03) ---
    path("feeds/", feed_views.FeedBatchListView.as_view(), name="feedbatch_list"),
    path("feeds/<int:pk>/", feed_views.FeedBatchDetailView.as_view(), name="feedbatch_detail"),
    path("person-status/", feed_views.PersonStatusView.as_view(), name="person_status"),
    # --- compliance: test compliance, sentinel, reminders (EPI-04, EPI-10) ---
    path(
        "compliance/overdue/",
        compliance_views.OverdueStaffListView.as_view(),
        name="compliance_overdue",
    ),
    path(
        "compliance/overdue/export.csv",
        compliance_views.OverdueStaffExportView.as_view(),
        name="compliance_overdue_export",
    ),
    path(
        "compliance/regions/",
        compliance_views.ComplianceRegionView.as_view(),
        name="compliance_regions",
    ),
    path(
        "compliance/units/<int:pk>/panel/",
        compliance_views.CompliancePanelView.as_view(),
        name="compliance_panel",
    ),
    path("sentinel/alerts/", compliance_views.AlertListView.as_view(), name="alert_list"),
    path("sentinel/counts/", compliance_views.AlertCountsView.as_view(), name="alert_counts"),
    path(
        "sentinel/alerts/<int:pk>/",
        compliance_views.AlertDetailView.as_view(),
        name="alert_detail",
    ),
    path(
        "sentinel/alerts/<int:pk>/assign/",
        compliance_views.AlertAssignView.as_view(),
        name="alert_assign",
    ),
    path(
        "sentinel/alerts/<int:pk>/close/",
        compliance_views.AlertCloseView.as_view(),
        name="alert_close",
    ),
    path("sentinel/outbox/", compliance_views.OutboxRedirectView.as_view(), name="outbox_list"),
    # --- arrivals: arrivals, risk areas, coding (EPI-08, EPI-09) ---
    path("arrivals/", arrival_views.ArrivalListView.as_view(), name="arrival_list"),
    path("arrivals/<int:pk>/", arrival_views.ArrivalDetailView.as_view(), name="arrival_detail"),
    path(
        "arrivals/<int:pk>/verify/",
        arrival_views.ArrivalVerifyView.as_view(),
        name="arrival_verify",
    ),
    path(
        "arrivals/<int:pk>/arrive/",
        arrival_views.ArrivalArriveView.as_view(),
        name="arrival_arrive",
    ),
    path(
        "arrivals/<int:pk>/close/", arrival_views.ArrivalCloseView.as_view(), name="arrival_close"
    ),
    path(
        "arrivals/<int:pk>/reveal/",
        arrival_views.ArrivalRevealView.as_view(),
        name="arrival_reveal",
    ),
    path(
        "units/<int:pk>/arrivals/add/",
        arrival_views.ArrivalSupplementView.as_view(),
        name="arrival_supplement",
    ),
    path("risk-areas/", arrival_views.RiskAreaListView.as_view(), name="risk_area_list"),
    path("risk-areas/add/", arrival_views.RiskAreaAddView.as_view(), name="risk_area_add"),
    path(
        "risk-areas/<int:pk>/edit/", arrival_views.RiskAreaEditView.as_view(), name="risk_area_edit"
    ),
    path("risk-areas/<int:pk>/end/", arrival_views.RiskAreaEndView.as_view(), name="risk_area_end"),
    # --- units: daily reports, preparedness, sampling houses, goods (EPI-11, EPI-14..16) ---
    path(
        "daily-reports/missing/",
        unit_views.MissingReportsView.as_view(),
        name="daily_report_missing",
    ),
    path(
        "units/<int:pk>/daily-report/",
        unit_views.DailyReportUnitView.as_view(),
        name="daily_report_unit",
    ),
    path(
        "units/<int:pk>/daily-report/zero/",
        unit_views.ZeroReportView.as_view(),
        name="daily_report_zero",
    ),
    path("preparedness/", unit_views.ReadinessListView.as_view(), name="readiness_list"),
    path(
        "units/<int:pk>/preparedness/",
        unit_views.PreparednessUnitView.as_view(),
        name="preparedness_unit",
    ),
    path("units/<int:pk>/drills/new/", unit_views.DrillAddView.as_view(), name="drill_add"),
    path(
        "sampling-houses/",
        unit_views.SamplingHouseRegionView.as_view(),
        name="sampling_house_region",
    ),
    path(
        "units/<int:pk>/sampling-houses/",
        unit_views.SamplingHouseUnitView.as_view(),
        name="sampling_house_unit",
    ),
    path(
        "units/<int:pk>/sampling-houses/new/",
        unit_views.SamplingHouseAddView.as_view(),
        name="sampling_house_add",
    ),
    path(
        "sampling-houses/<int:pk>/deployed/",
        unit_views.SamplingHouseDeployView.as_view(),
        name="sampling_house_deploy",
    ),
    path(
        "sampling-houses/<int:pk>/paid/",
        unit_views.SamplingHousePaidView.as_view(),
        name="sampling_house_paid",
    ),
    path("goods/", unit_views.GoodsLotListView.as_view(), name="goods_list"),
    path("goods/<int:pk>/", unit_views.GoodsLotDetailView.as_view(), name="goods_detail"),
    path("goods/<int:pk>/label/", unit_views.GoodsLotLabelView.as_view(), name="goods_label"),
    path("units/<int:pk>/goods/new/", unit_views.GoodsLotAddView.as_view(), name="goods_add"),
    path("units/<int:pk>/units-panel/", unit_views.UnitsPanelView.as_view(), name="units_panel"),
]
