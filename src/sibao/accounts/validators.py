from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sibao.core import rules


class RuleSetMinimumLengthValidator:
    """Minimum password length from the rule set (``password_min_length``)."""

    def validate(self, password, user=None):
        minimum = rules.current()["password_min_length"]
        if len(password) < minimum:
            raise ValidationError(
                _("密码至少需要 %(min)d 个字符。") % {"min": minimum}, code="password_too_short"
            )

    def get_help_text(self):
        return _("密码至少需要 %(min)d 个字符。") % {"min": rules.current()["password_min_length"]}
