"""``sibao demo-totp USERNAME``: the current TOTP code of a demo account made by ``seed-demo``.

Works only for users with a device named "demo" (which only ``seed-demo`` creates), so it cannot
read the second factor of a real account.
"""

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sibao.accounts.models import User

DEMO_DEVICE = "demo"


class Command(BaseCommand):
    help = "显示演示账户（由 seed-demo 创建）当前的 6 位动态验证码。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="演示账户用户名，如 demo-system-admin")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在。")
        device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE, confirmed=True).first()
        if device is None:
            raise CommandError(
                f"用户 {username} 没有演示用动态口令设备：本命令只适用于 seed-demo 创建的演示账户。"
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
