"""Forms of the whitelist pages: adjusting one unit (WL-05, WL-06) and publishing a batch."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import ServiceTier

REASON_WIDGET = forms.Textarea(attrs={"rows": 2})


class AddUnitForm(forms.Form):
    """Add a unit to the whitelist directly (dynamic adjustment between batches)."""

    tier = forms.ChoiceField(label=_("服务层级"), choices=ServiceTier.choices)
    reason = forms.CharField(label=_("纳入理由"), widget=REASON_WIDGET, max_length=2000)


class RemoveUnitForm(forms.Form):
    reason = forms.CharField(label=_("移出理由"), widget=REASON_WIDGET, max_length=2000)


class TierForm(forms.Form):
    tier = forms.ChoiceField(label=_("新的服务层级"), choices=ServiceTier.choices)
    reason = forms.CharField(label=_("调整理由"), widget=REASON_WIDGET, max_length=2000)


class BatchPublishForm(forms.Form):
    """Publish the pending changes of one of the department's regions and industries.

    The choices are the user's own (``regions``, ``industries``); whether the pair is covered
    by one grant is the action's check.
    """

    region = forms.ChoiceField(label=_("发布区划"))
    industry = forms.ChoiceField(label=_("行业领域"))
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        required=False,
        help_text=_("留空则为“某地某行业白名单（第 N 批）”。"),
    )
    note = forms.CharField(label=_("说明"), widget=REASON_WIDGET, required=False, max_length=4000)

    def __init__(self, *args, regions=(), industries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.full_name) for r in regions]
        self.fields["industry"].choices = [(i.code, i.name) for i in industries]
