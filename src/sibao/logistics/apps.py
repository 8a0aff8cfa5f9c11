from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "sibao.logistics"
    label = "logistics"
    verbose_name = _("物流保通")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # trips (LOG-04): every stored NAT batch is matched against pending sample-and-go samples
        from sibao.epidemic.sentinel import add_test_result_listener
        from sibao.logistics.actions.trips import chase_results

        add_test_result_listener(chase_results)
