from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.http import urlencode

from sibao.core.masking import mask_id_number, mask_name, mask_phone

register = template.Library()

register.filter("mask_phone", mask_phone)
register.filter("mask_id_number", mask_id_number)
register.filter("mask_name", mask_name)


@register.simple_tag(takes_context=True)
def page_url(context, page: int) -> str:
    """The current list URL with its filters, at another page."""
    base = context.get("query_without_page", "")
    return "?" + (base + "&" if base else "") + urlencode({"page": page})


@register.filter
def styled(field):
    """Render a form field's widget with Tabler's classes (form-select for choices)."""
    widget = field.field.widget
    css = (
        "form-select"
        if getattr(widget, "input_type", None) == "select" or hasattr(widget, "choices")
        else "form-control"
    )
    if getattr(widget, "input_type", None) == "checkbox":
        css = "form-check-input"
    return field.as_widget(attrs={"class": css})


# --- whitelist entries, batches, tiers, coverage (WL-05, WL-06, WL-07) ---
@register.inclusion_tag("enterprises/whitelist/_tier_badge.html")
def tier_badge(unit):
    """WL-06: the service tier of a whitelisted unit (an enterprise or its whitelist entry),
    nothing for a unit not on the list. Lists select_related("whitelist_entry") to stay N+1-free.
    """
    entry = unit
    if not hasattr(unit, "tier"):
        try:
            entry = unit.whitelist_entry
        except ObjectDoesNotExist:
            entry = None
    return {"entry": entry}
