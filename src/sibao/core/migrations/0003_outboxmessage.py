# The outbox moves to core (MON-05). Step 2 of 3: core takes over the model whose table
# epidemic/0005_outboxmessage_to_core_table renamed to core_outboxmessage; the fields are those
# the table has, so nothing changes in the database. 0004 adds the delivery columns.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_transitions_notifications"),
        ("epidemic", "0005_outboxmessage_to_core_table"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxMessage",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        (
                            "person_key",
                            models.CharField(blank=True, max_length=64, verbose_name="人员标识"),
                        ),
                        (
                            "phone_encrypted",
                            models.TextField(blank=True, verbose_name="手机号码（加密）"),
                        ),
                        (
                            "phone_masked",
                            models.CharField(blank=True, max_length=11, verbose_name="手机号码"),
                        ),
                        ("body", models.CharField(max_length=500, verbose_name="内容")),
                        (
                            "dedupe_key",
                            models.CharField(max_length=160, unique=True, verbose_name="去重键"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "待发送"),
                                    ("sent", "已发送"),
                                    ("failed", "发送失败"),
                                ],
                                default="pending",
                                max_length=8,
                                verbose_name="状态",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="生成时间"),
                        ),
                        (
                            "sent_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="发送时间"),
                        ),
                        (
                            "error",
                            models.CharField(blank=True, max_length=255, verbose_name="错误"),
                        ),
                        (
                            "region_code",
                            models.CharField(blank=True, max_length=12, verbose_name="区划代码"),
                        ),
                        (
                            "enterprise_id",
                            models.BigIntegerField(blank=True, null=True, verbose_name="单位"),
                        ),
                    ],
                    options={
                        "verbose_name": "提醒短信",
                        "verbose_name_plural": "提醒短信",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["status", "created_at"], name="outbox_pending")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
