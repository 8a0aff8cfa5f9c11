from django.urls import path

from sibao.enterprises.views import (  # criteria area  # chain area
    applications,
    chain,
    checks,
    criteria,
    registry,
    whitelist,  # whitelist area
)

app_name = "enterprises"
urlpatterns = [
    # --- production: production status reports, trends per unit and region (MON-03) ---
    path("", ("sibao.enterprises.views.production", None, None)),
    # --- registry (WL-01, WL-02) ---
    path("", registry.EnterpriseListView.as_view(), name="enterprise_list"),
    path("<int:pk>/", registry.EnterpriseDetailView.as_view(), name="enterprise_detail"),
    path("new/", registry.EnterpriseCreateView.as_view(), name="enterprise_create"),
    path("<int:pk>/edit/", registry.EnterpriseUpdateView.as_view(), name="enterprise_update"),
    path("import/", registry.ImportView.as_view(), name="enterprise_import"),
    path(
        "import/template.xlsx",
        registry.ImportTemplateView.as_view(),
        name="enterprise_import_template",
    ),
    path(
        "import/report.xlsx", registry.ImportReportView.as_view(), name="enterprise_import_report"
    ),
    path("export/", registry.ExportView.as_view(), name="enterprise_export"),
    path("duplicates/", registry.DuplicateListView.as_view(), name="enterprise_duplicates"),
    path("duplicates/merge/", registry.MergeView.as_view(), name="enterprise_merge"),
    # --- criteria, facts, applications, review (WL-03, WL-04, WL-11) ---
    path("criteria/", criteria.CriteriaSetListView.as_view(), name="criteria_list"),
    path("criteria/new/", criteria.CriteriaSetCreateView.as_view(), name="criteria_create"),
    path("criteria/<int:pk>/", criteria.CriteriaSetDetailView.as_view(), name="criteria_detail"),
    path(
        "criteria/<int:pk>/edit/", criteria.CriteriaSetUpdateView.as_view(), name="criteria_update"
    ),
    path(
        "criteria/<int:pk>/preview/",
        criteria.CriteriaSetPreviewView.as_view(),
        name="criteria_preview",
    ),
    path(
        "criteria/<int:pk>/publish/",
        criteria.CriteriaSetPublishView.as_view(),
        name="criteria_publish",
    ),
    path(
        "criteria/<int:pk>/criteria/new/",
        criteria.CriterionFormView.as_view(),
        name="criterion_create",
    ),
    path(
        "criteria/<int:pk>/criteria/<int:criterion>/",
        criteria.CriterionFormView.as_view(),
        name="criterion_update",
    ),
    path(
        "criteria/<int:pk>/criteria/<int:criterion>/delete/",
        criteria.CriterionDeleteView.as_view(),
        name="criterion_delete",
    ),
    path(
        "criteria/<int:pk>/checklist/new/",
        criteria.ChecklistItemFormView.as_view(),
        name="checklist_item_create",
    ),
    path(
        "criteria/<int:pk>/checklist/<int:item>/",
        criteria.ChecklistItemFormView.as_view(),
        name="checklist_item_update",
    ),
    path(
        "criteria/<int:pk>/checklist/<int:item>/delete/",
        criteria.ChecklistItemDeleteView.as_view(),
        name="checklist_item_delete",
    ),
    path("applications/", applications.ApplicationListView.as_view(), name="application_list"),
    path(
        "applications/queue/",
        applications.ApplicationQueueView.as_view(),
        name="application_queue",
    ),
    path(
        "applications/<int:pk>/",
        applications.ApplicationDetailView.as_view(),
        name="application_detail",
    ),
    path(
        "applications/<int:pk>/review/",
        applications.ApplicationReviewView.as_view(),
        name="application_review",
    ),
    path(
        "applications/<int:pk>/resubmit/",
        applications.ApplicationResubmitView.as_view(),
        name="application_resubmit",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        applications.ApplicationWithdrawView.as_view(),
        name="application_withdraw",
    ),
    path(
        "<int:pk>/apply/", applications.ApplicationCreateView.as_view(), name="application_create"
    ),
    path(
        "<int:pk>/facts/", applications.EnterpriseFactsPanelView.as_view(), name="enterprise_facts"
    ),
    path(
        "<int:pk>/self-assessment/",
        criteria.SelfAssessmentCreateView.as_view(),
        name="self_assessment_create",
    ),
    # --- whitelist entries, batches, tiers, coverage (WL-05, WL-06, WL-07) ---
    path("whitelist/", whitelist.WhitelistEntryListView.as_view(), name="whitelist_list"),
    path("whitelist/export.csv", whitelist.WhitelistExportView.as_view(), name="whitelist_export"),
    path("<int:pk>/whitelist/", whitelist.WhitelistPanelView.as_view(), name="whitelist_panel"),
    path("<int:pk>/whitelist/add/", whitelist.WhitelistAddView.as_view(), name="whitelist_add"),
    path(
        "whitelist/<int:pk>/remove/",
        whitelist.WhitelistRemoveView.as_view(),
        name="whitelist_remove",
    ),
    path("whitelist/<int:pk>/tier/", whitelist.WhitelistTierView.as_view(), name="whitelist_tier"),
    path("batches/", whitelist.BatchListView.as_view(), name="batch_list"),
    path("batches/publish/", whitelist.BatchPublishView.as_view(), name="batch_publish"),
    path("batches/<int:pk>/", whitelist.BatchDetailView.as_view(), name="batch_detail"),
    path("coverage/", whitelist.CoverageView.as_view(), name="coverage"),
    # --- chain links, proposals, pairings, spot checks, fuse, responsibility (WL-08..10, ORG-06) ---
    path("chain/links/", chain.SupplyLinkListView.as_view(), name="supply_link_list"),
    path("chain/links/import/", chain.SupplyLinkImportView.as_view(), name="supply_link_import"),
    path(
        "chain/links/template.xlsx",
        chain.SupplyLinkTemplateView.as_view(),
        name="supply_link_template",
    ),
    path("<int:pk>/chain/links/add/", chain.SupplyLinkAddView.as_view(), name="supply_link_add"),
    path(
        "chain/links/<int:pk>/delete/",
        chain.SupplyLinkDeleteView.as_view(),
        name="supply_link_delete",
    ),
    path("chain/proposals/", chain.ProposalListView.as_view(), name="proposal_list"),
    path(
        "chain/proposals/<int:pk>/invite/",
        chain.ProposalHandleView.as_view(decision="invite"),
        name="proposal_invite",
    ),
    path(
        "chain/proposals/<int:pk>/dismiss/",
        chain.ProposalHandleView.as_view(decision="dismiss"),
        name="proposal_dismiss",
    ),
    path("chain/emergency/", chain.ChainEmergencyView.as_view(), name="chain_emergency"),
    path("<int:pk>/chain/", chain.ChainPanelView.as_view(), name="chain_panel"),
    path("chain/pairings/", chain.PairingListView.as_view(), name="pairing_list"),
    path("chain/pairings/propose/", chain.PairingProposeView.as_view(), name="pairing_propose"),
    path(
        "chain/pairings/<int:pk>/confirm/",
        chain.PairingStepView.as_view(step="confirm"),
        name="pairing_confirm",
    ),
    path(
        "chain/pairings/<int:pk>/decline/",
        chain.PairingStepView.as_view(step="decline"),
        name="pairing_decline",
    ),
    path(
        "chain/pairings/<int:pk>/end/",
        chain.PairingStepView.as_view(step="end"),
        name="pairing_end",
    ),
    path("checks/", checks.SpotCheckListView.as_view(), name="spot_check_list"),
    path("<int:pk>/checks/add/", checks.SpotCheckAddView.as_view(), name="spot_check_add"),
    path("<int:pk>/checks/", checks.SpotCheckPanelView.as_view(), name="spot_check_panel"),
    path("<int:pk>/fuse/", checks.FuseView.as_view(), name="enterprise_fuse"),
    path(
        "<int:pk>/responsibility/",
        checks.ResponsibilityPanelView.as_view(),
        name="responsibility_panel",
    ),
    path(
        "<int:pk>/responsibility/edit/",
        checks.ResponsibilityEditView.as_view(),
        name="responsibility_edit",
    ),
]
