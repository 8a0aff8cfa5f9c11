from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EpidemicConfig(AppConfig):
    name = "sibao.epidemic"
    label = "epidemic"
    verbose_name = _("疫情信息")
    default_auto_field = "django.db.models.BigAutoField"
