"""Creating the command structure (HQs, offices, working groups, departments) for every region."""

from django.db import transaction

from sibao.regions.models import (
    Department,
    DepartmentKind,
    Headquarters,
    Region,
    RegionLevel,
    WorkingGroup,
    WorkingGroupKind,
)

# Department names per kind: province/city bodies are 厅/委/局; counties use 局 throughout.
DEPARTMENT_NAMES = {
    DepartmentKind.DEVELOPMENT_REFORM: ("发展和改革委员会", "发展和改革委员会", "发展和改革委员会"),
    DepartmentKind.INDUSTRY_IT: ("工业和信息化厅", "工业和信息化局", "工业和信息化局"),
    DepartmentKind.PUBLIC_SECURITY: ("公安厅", "公安局", "公安局"),
    DepartmentKind.FINANCE: ("财政厅", "财政局", "财政局"),
    DepartmentKind.HOUSING: ("住房和城乡建设厅", "住房和城乡建设局", "住房和城乡建设局"),
    DepartmentKind.TRANSPORT: ("交通运输厅", "交通运输局", "交通运输局"),
    DepartmentKind.AGRICULTURE: ("农业农村厅", "农业农村局", "农业农村局"),
    DepartmentKind.COMMERCE: ("商务厅", "商务局", "商务局"),
    DepartmentKind.CULTURE_TOURISM: ("文化和旅游厅", "文化广电和旅游局", "文化广电和旅游局"),
    DepartmentKind.HEALTH: ("卫生健康委员会", "卫生健康委员会", "卫生健康委员会"),
    DepartmentKind.ADMIN_APPROVAL: (
        "行政审批和政务信息管理局",
        "行政审批和政务信息管理局",
        "行政审批和政务信息管理局",
    ),
    DepartmentKind.CUSTOMS: ("郑州海关", "海关", None),
    DepartmentKind.POSTAL: ("邮政管理局", "邮政管理局", None),
    DepartmentKind.HUMAN_RESOURCES: (
        "人力资源和社会保障厅",
        "人力资源和社会保障局",
        "人力资源和社会保障局",
    ),
    DepartmentKind.TAX: ("税务局", "税务局", "税务局"),
    DepartmentKind.MARKET_REGULATION: ("市场监督管理局", "市场监督管理局", "市场监督管理局"),
}
# Customs and postal administration are vertical agencies without county branches.

GROUP_LEADS = {
    WorkingGroupKind.INDUSTRY: DepartmentKind.INDUSTRY_IT,
    WorkingGroupKind.COMMERCE: DepartmentKind.COMMERCE,
    WorkingGroupKind.TRANSPORT: DepartmentKind.TRANSPORT,
    WorkingGroupKind.CULTURE_TOURISM: DepartmentKind.CULTURE_TOURISM,
    WorkingGroupKind.KEY_PROJECT: DepartmentKind.DEVELOPMENT_REFORM,
    WorkingGroupKind.EPIDEMIC: DepartmentKind.HEALTH,
}
LEVEL_INDEX = {RegionLevel.PROVINCE: 0, RegionLevel.CITY: 1, RegionLevel.COUNTY: 2}


def _prefix(region: Region) -> str:
    return "河南省" if region.level == RegionLevel.PROVINCE else region.name


def _department_name(region: Region, kind: str) -> str | None:
    name = DEPARTMENT_NAMES[kind][LEVEL_INDEX[region.level]]
    if name is None:
        return None
    if kind == DepartmentKind.CUSTOMS and region.level == RegionLevel.PROVINCE:
        return name
    if kind == DepartmentKind.CUSTOMS:
        return f"{region.name.removesuffix('市')}海关"
    return _prefix(region) + name


@transaction.atomic
def ensure_organisations() -> int:
    """Create the HQ, office, departments and working groups of every administrative region.

    Idempotent: existing bodies are kept as they are. Functional zones get none of their own; their
    city's bodies serve them. Returns the number of HQs.
    """
    regions = list(Region.objects.filter(is_statistical_zone=False))
    existing_hq = set(Headquarters.objects.values_list("region_id", flat=True))
    existing_dept = set(Department.objects.values_list("region_id", "kind"))
    new_hqs, new_depts = [], []
    for region in regions:
        prefix = _prefix(region)
        if region.code not in existing_hq:
            new_hqs.append(
                Headquarters(
                    region=region,
                    name=f"{prefix}统筹疫情防控和经济社会发展调度指挥部",
                    office_name=f"{prefix}统筹疫情防控和经济社会发展调度指挥部办公室",
                )
            )
        for kind in DepartmentKind:
            name = _department_name(region, kind)
            if name and (region.code, kind.value) not in existing_dept:
                new_depts.append(Department(region=region, kind=kind, name=name))
    Headquarters.objects.bulk_create(new_hqs)
    Department.objects.bulk_create(new_depts)

    departments = {(d.region_id, d.kind): d for d in Department.objects.all()}
    existing_groups = set(WorkingGroup.objects.values_list("headquarters_id", "kind"))
    groups = []
    for hq in Headquarters.objects.select_related("region"):
        for kind, lead in GROUP_LEADS.items():
            if (hq.pk, kind.value) in existing_groups:
                continue
            groups.append(
                WorkingGroup(
                    headquarters=hq,
                    kind=kind,
                    name=f"{_prefix(hq.region)}{kind.label}",
                    lead_department=departments.get((hq.region_id, lead.value)),
                )
            )
    WorkingGroup.objects.bulk_create(groups)
    return Headquarters.objects.count()
