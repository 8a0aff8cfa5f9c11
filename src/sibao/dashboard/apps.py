from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "sibao.dashboard"
    label = "dashboard"
    verbose_name = _("运行监测")
    default_auto_field = "django.db.models.BigAutoField"
