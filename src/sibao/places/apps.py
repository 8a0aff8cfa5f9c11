from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "sibao.places"
    label = "places"
    verbose_name = _("场所码与流调")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # scans arrive through the feeds' one entry point (``epidemic.ingest``)
        from sibao.places import ingest

        ingest.register()
