"""Writes of the feeds area (EPI-02): data sources and their interface accounts. Storing the
feeds themselves is ``sibao.epidemic.ingest.ingest`` (one batch, one transaction)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sibao.accounts import actions as account_actions
from sibao.accounts.access import can
from sibao.accounts.models import User
from sibao.accounts.roles import Role
from sibao.core import audit
from sibao.epidemic.models import DataSource
from sibao.regions.models import Region

__all__ = ["issue_feed_token", "register_data_source"]


def _feed_username(code: str) -> str:
    return f"feed-{code}"


@transaction.atomic
def register_data_source(code: str, name: str, *, actor) -> DataSource:
    """A data source and its interface account (a user with the data-feed role over the
    province, no password: it authenticates with API tokens only). Existing ones are kept, so
    calling it again changes nothing but a renamed source's name."""
    code = (code or "").strip()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        raise ValidationError({"code": _("来源代码应为 1–32 位字母、数字、- 或 _。")})
    if not (name or "").strip():
        raise ValidationError({"name": _("请填写来源名称。")})
    province = Region.objects.get(parent__isnull=True)
    if actor is not None and not can(actor, User, "add"):
        raise PermissionDenied(_("无权登记数据来源。"))
    source = DataSource.objects.filter(pk=code).first()
    if source is None:
        source = DataSource.objects.create(code=code, name=name.strip())
        audit.record("epidemic.register_data_source", actor=actor, obj=source, note=code)
    elif source.name != name.strip():
        before = source.name
        source.name = name.strip()
        source.save(update_fields=["name"])
        audit.record(
            "epidemic.rename_data_source",
            actor=actor,
            obj=source,
            changes={"name": [before, source.name]},
        )
    if source.user_id is None:
        user = User.objects.filter(username=_feed_username(code)).first()
        if user is None:
            user = User.objects.create_user(
                username=_feed_username(code), full_name=source.name, region=province
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if not user.grants.filter(role=Role.DATA_FEED, is_active=True).exists():
            account_actions.grant_role(user, role=Role.DATA_FEED, region=province, actor=actor)
        source.user = user
        source.save(update_fields=["user"])
        audit.record(
            "epidemic.link_data_source", actor=actor, obj=source, note=_feed_username(code)
        )
    return source


def issue_feed_token(source: DataSource, *, actor, days: int | None = None):
    """A new API token for the source's interface account: ``(token, key)``; the key is shown
    once and only its hash is stored."""
    if source.user_id is None:
        raise ValidationError(_("该数据来源没有接口账户。"))
    if actor is not None and not can(actor, User, "change", source.user):
        raise PermissionDenied(_("无权为该数据来源签发令牌。"))
    return account_actions.create_api_token(
        source.user,
        name=_("数据报送：%(source)s") % {"source": source.name},
        actor=actor if actor is not None else source.user,
        days=days,
    )
