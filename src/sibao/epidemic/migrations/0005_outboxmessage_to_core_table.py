# The outbox moves to core (MON-05). Step 1 of 3: the table takes core's name, keeping its rows;
# core/0003_outboxmessage takes the model over, epidemic/0006_remove_outboxmessage lets it go.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("epidemic", "0004_alter_feedbatch_kind"),
    ]

    operations = [
        migrations.AlterModelTable(name="outboxmessage", table="core_outboxmessage"),
    ]
