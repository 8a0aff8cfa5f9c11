from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "sibao.workorders"
    label = "workorders"
    verbose_name = _("问题收集与工作交办")
    default_auto_field = "django.db.models.BigAutoField"
