# The outbox moves to core (MON-05). Step 3 of 3: epidemic forgets the model; the table and its
# rows now belong to core.OutboxMessage (core/0003_outboxmessage), so nothing changes in the
# database.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("epidemic", "0005_outboxmessage_to_core_table"),
        ("core", "0003_outboxmessage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboxMessage")],
            database_operations=[],
        ),
    ]
