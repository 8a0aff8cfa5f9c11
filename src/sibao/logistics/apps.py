from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "sibao.logistics"
    label = "logistics"
    verbose_name = _("物流保通")
    default_auto_field = "django.db.models.BigAutoField"
