from django.db import migrations

from sibao.regions.loading import load_industries, load_regions


def load(apps, schema_editor):
    load_regions(apps.get_model("regions", "Region"))
    load_industries(apps.get_model("regions", "IndustryDomain"))


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
