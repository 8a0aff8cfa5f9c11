"""Texts that are saved for later readers (notification titles and bodies, SMS, history notes,
reasons) are written in the platform's language, whatever the language of the request that caused
them; the message catalogue still lists them (``makemessages`` extracts ``stored`` and
``_stored`` calls, see ``core/management/commands/makemessages.py``)."""

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

__all__ = ["stored"]


def stored(message, **params) -> str:
    """``message`` (a literal, a lazy or a no-op-marked text) translated into the platform's
    language, with ``params`` interpolated when given."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message) if isinstance(message, Promise) else gettext(message)
    return text % params if params else text
