"""PLAT-03: users' phone numbers move from a clear column to an encrypted one plus its mask."""

from django.db import migrations, models


def seal_phones(apps, schema_editor):
    from sibao.core.masking import mask_phone
    from sibao.core.personal import encrypt

    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=1000):
        text = user.phone.strip()
        User.objects.filter(pk=user.pk).update(
            phone_encrypted=encrypt(text), phone_masked=mask_phone(text)
        )


def open_phones(apps, schema_editor):
    from sibao.core.personal import decrypt

    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(phone_encrypted="").iterator(chunk_size=1000):
        User.objects.filter(pk=user.pk).update(phone=decrypt(user.phone_encrypted)[:20])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_rolegrant_data_feed_role")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_encrypted",
            field=models.TextField(blank=True, verbose_name="手机号（加密）"),
        ),
        migrations.AddField(
            model_name="user",
            name="phone_masked",
            field=models.CharField(blank=True, max_length=20, verbose_name="手机号"),
        ),
        migrations.RunPython(seal_phones, open_phones),
        migrations.RemoveField(model_name="user", name="phone"),
    ]
