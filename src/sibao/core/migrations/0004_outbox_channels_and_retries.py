# The outbox's channels and delivery state (MON-05): channel, a recipient user, a subject,
# attempts and the next attempt's time, the last error (the former "error"), the statuses sending
# and cancelled, and the indexes of the sender's claim and of the outbox page.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def clear_next_attempt_of_finished(apps, schema_editor):
    """Rows that existed before: only pending ones are due (from now); the others are done."""
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    OutboxMessage.objects.exclude(status="pending").update(next_attempt_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_outboxmessage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="outboxmessage",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "外发消息",
                "verbose_name_plural": "外发消息",
            },
        ),
        migrations.RemoveIndex(model_name="outboxmessage", name="outbox_pending"),
        migrations.RenameField(model_name="outboxmessage", old_name="error", new_name="last_error"),
        migrations.AlterField(
            model_name="outboxmessage",
            name="last_error",
            field=models.CharField(blank=True, max_length=255, verbose_name="最近错误"),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="channel",
            field=models.CharField(
                choices=[("sms", "短信"), ("wecom", "政务微信"), ("email", "邮件")],
                default="sms",
                max_length=8,
                verbose_name="渠道",
            ),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="recipient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="接收用户",
            ),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="subject",
            field=models.CharField(blank=True, max_length=200, verbose_name="标题"),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="已尝试次数"),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True,
                default=django.utils.timezone.now,
                null=True,
                verbose_name="下次发送时间",
            ),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待发送"),
                    ("sending", "发送中"),
                    ("sent", "已发送"),
                    ("failed", "发送失败"),
                    ("cancelled", "已取消"),
                ],
                default="pending",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(clear_next_attempt_of_finished, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(fields=["region_code", "-created_at"], name="outbox_by_region"),
        ),
    ]
