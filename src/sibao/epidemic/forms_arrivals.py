"""Forms of the arrivals area (EPI-08, EPI-09). They check shapes and give clear Chinese messages;
the actions decide (ID number, phone, county code, dates)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.models import RiskLevel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Offered as suggestions on the public page; any valid county code of any province is accepted.
COMMON_ORIGINS = (
    ("110105", _("北京市朝阳区")),
    ("310115", _("上海市浦东新区")),
    ("440106", _("广东省广州市天河区")),
    ("440305", _("广东省深圳市南山区")),
    ("330106", _("浙江省杭州市西湖区")),
    ("320106", _("江苏省南京市鼓楼区")),
    ("420106", _("湖北省武汉市武昌区")),
    ("610113", _("陕西省西安市雁塔区")),
    ("510107", _("四川省成都市武侯区")),
    ("130102", _("河北省石家庄市长安区")),
    ("370102", _("山东省济南市历下区")),
    ("340104", _("安徽省合肥市蜀山区")),
    ("140105", _("山西省太原市小店区")),
)

PURPOSES = (("visit", _("来访")), ("return", _("返岗")), ("other", _("其他")))
EN_ROUTE = (
    ("", _("无")),
    ("infected", _("途中被判定为感染者")),
    ("close", _("途中被判定为密接")),
    ("secondary", _("途中被判定为次密接")),
)


class UnechoedInput(forms.TextInput):
    """A text input that never writes the submitted value back into the page: a form shown
    again with errors asks for the ID number and phone anew rather than echo them in clear."""

    def format_value(self, value):
        return None


def _required(message):
    return {"required": message}


class ArrivalFieldsForm(forms.Form):
    """The person and the trip, as the public page and a unit's supplementary registration ask."""

    name = forms.CharField(
        label=_("姓名"), max_length=64, error_messages=_required(_("请填写姓名。"))
    )
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=24,
        error_messages=_required(_("请填写身份证号码。")),
        widget=UnechoedInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("18 位居民身份证号码，仅用于防疫核查，页面不会显示完整号码。"),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        error_messages=_required(_("请填写手机号码。")),
        widget=UnechoedInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    origin_region = forms.CharField(
        label=_("出发地区划代码"),
        max_length=6,
        error_messages=_required(_("请填写出发地 6 位县级区划代码。")),
        widget=forms.TextInput(attrs={"list": "common-origins", "inputmode": "numeric"}),
        help_text=_("县（市、区）的 6 位代码，如上海市浦东新区 310115；可从常用出发地中选择。"),
    )
    origin_name = forms.CharField(
        label=_("出发地名称"),
        max_length=128,
        required=False,
        help_text=_("如：上海市浦东新区"),
    )
    travel_history = forms.CharField(
        label=_("14 天旅居史"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "途经或停留的县（市、区），请写名称或 6 位区划代码，如“3月1日—3日 上海市浦东新区”。"
        ),
    )
    expected_arrival = forms.DateField(
        label=_("预计到达日期"),
        widget=DATE,
        error_messages={
            "required": _("请填写预计到达日期。"),
            "invalid": _("预计到达日期格式不正确（年-月-日）。"),
        },
    )
    purpose = forms.ChoiceField(label=_("事由"), choices=PURPOSES, initial="visit")
    has_symptoms = forms.BooleanField(label=_("目前有发热、咳嗽、乏力等症状"), required=False)
    en_route_status = forms.ChoiceField(label=_("途中判定情况"), choices=EN_ROUTE, required=False)
    last_test_on = forms.DateField(
        label=_("最近一次核酸检测日期"),
        widget=DATE,
        required=False,
        error_messages={"invalid": _("最近核酸检测日期格式不正确（年-月-日）。")},
    )

    def clean_origin_region(self):
        return self.cleaned_data["origin_region"].strip()

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("origin_region")
        if code and not cleaned.get("origin_name"):
            # a common origin picked from the suggestions names itself
            cleaned["origin_name"] = str(dict(COMMON_ORIGINS).get(code, ""))
        return cleaned


class PublicArrivalForm(ArrivalFieldsForm):
    """EPI-08: the public report. ``unit`` is the destination unit picked by search."""

    unit = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("请选择目的地单位。"),
            "invalid": _("请选择目的地单位（未找到该单位）。"),
        },
    )
    field_order = ["unit"]


class SupplementaryArrivalForm(ArrivalFieldsForm):
    """EPI-08: a unit registers an arrival after the fact (the date may lie in the past)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_arrival"].label = _("到达（预计到达）日期")


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("核查情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages=_required(_("请填写核查情况（旅居史、健康状况、核酸检测等）。")),
        help_text=_("是否有中高风险地区或静态管理区域旅居史、健康状况、个人防护和核酸检测情况。"),
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("结束原因"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class RiskAreaForm(forms.Form):
    region_code = forms.CharField(
        label=_("所在县级区划代码"),
        max_length=6,
        help_text=_("任何省份的县（市、区）6 位代码，如 310115。"),
    )
    region_name = forms.CharField(label=_("所在县（市、区）"), max_length=128)
    name = forms.CharField(label=_("风险区域"), max_length=200)
    level = forms.ChoiceField(label=_("等级"), choices=RiskLevel.choices)
    valid_from = forms.DateField(label=_("起始日期"), widget=DATE)
    valid_to = forms.DateField(
        label=_("解除日期"),
        widget=DATE,
        required=False,
        help_text=_("解除当日起不再作为风险区域；未解除的留空。"),
    )
