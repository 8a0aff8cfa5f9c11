"""The catalogue of enterprise attributes that criteria (and later support policies) read.

Registry columns are facts from the registry itself (an authoritative source: departments keep
the registry). Every other attribute is an ``EnterpriseFact`` from a named source; the current
one is an authoritative source's if there is one, else the newest declaration.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from sibao.core.eligibility import Attribute, Catalogue, Fact
from sibao.enterprises.models import EnterpriseFact, EnterpriseKind, FactSource, ServiceTier

VALUE_COLUMN = {"number": "number_value", "bool": "bool_value", "text": "text_value"}


def _fact_query(key, lookup, value, *, exclude=False):
    attribute = CATALOGUE[key]
    column = VALUE_COLUMN.get(attribute.kind, "text_value")
    current = EnterpriseFact.objects.filter(
        enterprise=OuterRef("pk"), key=key, is_current=True, **{f"{column}__isnull": False}
    )
    if exclude:
        current = current.exclude(**{f"{column}__{lookup}": value})
    else:
        current = current.filter(**{f"{column}__{lookup}": value})
    return Q(Exists(current))


def _fact(key, label, kind, unit="", choices=None):
    return Attribute(key, label, kind, unit=unit, choices=choices, fact_query=_fact_query)


SPECIALISED_LEVELS = {
    "none": _("无"),
    "cultivation": _("专精特新培育库"),
    "provincial": _("省级专精特新"),
    "little_giant": _("国家级专精特新“小巨人”"),
}
LEVELS = {
    "none": _("无"),
    "province": _("省级"),
    "city": _("市级"),
    "county": _("县级"),
}
CREDIT_GRADES = {g: g for g in ("A", "B", "M", "C", "D")}

CATALOGUE = Catalogue(
    [
        Attribute(
            "industry",
            _("行业领域"),
            "choice",
            choices={
                "industry": _("工业生产"),
                "commerce": _("商贸流通"),
                "transport": _("交通运输"),
                "culture_tourism": _("文化旅游"),
                "key_project": _("重点项目"),
            },
            column="industry_id",
        ),
        Attribute(
            "kind", _("单位类型"), "choice", choices=dict(EnterpriseKind.choices), column="kind"
        ),
        Attribute("sub_type", _("细分类型"), "text", column="sub_type"),
        Attribute("is_city_operation", _("城市运行保障企业"), "bool", column="is_city_operation"),
        Attribute("output_value", _("年总产值"), "number", _("万元"), column="output_value"),
        Attribute("investment", _("项目投资额"), "number", _("万元"), column="investment"),
        Attribute("employees", _("从业人数"), "number", _("人"), column="employees"),
        Attribute("has_dormitory", _("有集体宿舍"), "bool", column="has_dormitory"),
        Attribute("has_canteen", _("有食堂"), "bool", column="has_canteen"),
        _fact("annual_revenue", _("年营业收入"), "number", _("万元")),
        _fact("trade_value", _("年进出口额"), "number", _("万元")),
        _fact("specialised_level", _("专精特新"), "choice", choices=SPECIALISED_LEVELS),
        _fact("is_listed", _("上市公司"), "bool"),
        _fact("is_neeq", _("新三板挂牌"), "bool"),
        _fact("is_above_scale", _("规模以上企业"), "bool"),
        _fact("is_quasi_above_scale", _("准规上企业"), "bool"),
        _fact("is_supply_chain_whitelist", _("国家产业链供应链白名单企业"), "bool"),
        _fact("is_chain_leader", _("产业链链主企业"), "bool"),
        _fact("liaison_leader_level", _("领导包联层级"), "choice", choices=LEVELS),
        _fact("key_project_level", _("重点项目层级"), "choice", choices=LEVELS),
        _fact("tax_credit_grade", _("纳税信用等级"), "choice", choices=CREDIT_GRADES),
        _fact("self_assessment_passed", _("防控自查达标"), "bool"),
        _fact("whitelist_tier", _("白名单服务层级"), "choice", choices=dict(ServiceTier.choices)),
    ]
)
SOURCE_LABELS = dict(FactSource.choices)


def facts_for(enterprise) -> dict:
    """key -> Fact: the registry columns and the current sourced facts of one enterprise."""
    facts = {}
    for attribute in CATALOGUE:
        if attribute.column:
            value = getattr(enterprise, attribute.column)
            if value is not None and value != "":
                facts[attribute.key] = Fact(value, str(SOURCE_LABELS[FactSource.REGISTRY]))
    for row in enterprise.facts.filter(is_current=True):
        if row.key in CATALOGUE:
            facts[row.key] = Fact(
                row.value,
                str(SOURCE_LABELS.get(row.source, row.source)),
                authoritative=row.is_authoritative,
                as_of=row.as_of.isoformat(),
            )
    return facts


def column_for(key: str) -> str:
    return VALUE_COLUMN.get(CATALOGUE[key].kind, "text_value")
