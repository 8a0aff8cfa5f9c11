from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "sibao.command"
    label = "command"
    verbose_name = _("指挥调度")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # warnings (MON-02): saving a row a unit-level warning rule reads re-checks that unit
        from sibao.command.monitoring.events import connect

        connect()
