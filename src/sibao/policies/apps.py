from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "sibao.policies"
    label = "policies"
    verbose_name = _("政策助力")
    default_auto_field = "django.db.models.BigAutoField"
