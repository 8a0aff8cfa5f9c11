"""Forms of the spaces area (EPI-05). They check shapes only; the actions decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.places.models import SpaceKind, VenueType

CHILD_KINDS = [(k, label) for k, label in SpaceKind.choices if k != SpaceKind.SITE]


def _zone_field(zones):
    return forms.ModelChoiceField(
        label=_("所属区域（划小单元）"),
        queryset=zones,
        required=False,
        empty_label=_("（不属于任何区域）"),
        help_text=_("在“划小单元”中登记的区域；流调可按区域扩大判定范围。"),
    )


class SiteForm(forms.Form):
    """A site: the root of a tree, with the venue type whose code rules its spaces follow."""

    name = forms.CharField(label=_("名称"), max_length=64)
    venue_type = forms.ChoiceField(
        label=_("场所类型"),
        choices=VenueType.choices,
        help_text=_("决定哪些空间须设置场所码（规则参数“场所码赋码规则”）。"),
    )

    def __init__(self, *args, zones=None, **kwargs):
        super().__init__(*args, **kwargs)
        if zones is not None:
            self.fields["zone"] = _zone_field(zones)


class ChildForm(forms.Form):
    """A space under a parent: building, floor, workshop, area, room, door, enclosed space."""

    kind = forms.ChoiceField(label=_("空间类型"), choices=CHILD_KINDS)
    name = forms.CharField(label=_("名称"), max_length=64)

    def __init__(self, *args, zones=None, **kwargs):
        super().__init__(*args, **kwargs)
        if zones is not None:
            self.fields["zone"] = _zone_field(zones)


class SpaceEditForm(forms.Form):
    """Rename, change the kind (not of a site), the zone, or a site's venue type."""

    name = forms.CharField(label=_("名称"), max_length=64)

    def __init__(self, *args, space, zones, **kwargs):
        super().__init__(*args, **kwargs)
        if space.parent_id:
            self.fields["kind"] = forms.ChoiceField(label=_("空间类型"), choices=CHILD_KINDS)
        else:
            self.fields["venue_type"] = forms.ChoiceField(
                label=_("场所类型"), choices=VenueType.choices
            )
        self.fields["zone"] = _zone_field(zones)


class MoveForm(forms.Form):
    parent = forms.TypedChoiceField(label=_("新的上级空间"), coerce=int, choices=())

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = choices


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=128)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=128, required=False)
