"""Province-wide default routing of demands by category (DEM-02); offices refine them per region
and service tier in the routing-rule pages."""

from django.db import migrations

DEFAULTS = {
    "raw_materials": ("industry_it", "原料保供由工信部门牵头协调"),
    "labour": ("human_resources", "用工由人社部门组织招聘、调剂"),
    "logistics": ("transport", "物流运输由交通运输部门协调通行"),
    "market": ("commerce", "市场拓展由商务部门对接"),
    "policy": ("development_reform", "政策兑现由发展改革部门统筹，具体政策转主管部门"),
    "supplies": ("health", "防疫物资由卫生健康部门调配"),
    "other": ("industry_it", "其他问题由工信部门先行受理"),
}


def add_defaults(apps, schema_editor):
    RoutingRule = apps.get_model("workorders", "RoutingRule")
    for category, (kind, note) in DEFAULTS.items():
        RoutingRule.objects.get_or_create(
            category=category,
            service_tier="",
            region_code="41",
            defaults={"department_kind": kind, "note": note},
        )


def remove_defaults(apps, schema_editor):
    RoutingRule = apps.get_model("workorders", "RoutingRule")
    RoutingRule.objects.filter(region_code="41", service_tier="").delete()


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
