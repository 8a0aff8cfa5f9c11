"""``makemessages`` that also extracts the texts saved in the platform's language
(``stored(...)``/``_stored(...)``, ``core.i18n``) and ``_lazy(...)`` aliases."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [
        *makemessages.Command.xgettext_options,
        "--keyword=stored",
        "--keyword=_stored",
        "--keyword=_lazy",
    ]
