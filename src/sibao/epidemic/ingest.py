"""EPI-02: ingestion of the external feeds (NAT laboratories, the provincial health-code platform,
the itinerary code, 豫事办 arrival reports, sentinel pharmacies).

``ingest(kind, records, source=…, actor=…)`` is the one entry point of the API, the bulk-file
command and the simulator. Per batch, in one transaction:

1. every record is validated on its own (required fields, types, aware ISO datetimes — naive ones
   are read as Asia/Shanghai — choices, the ID number turned into the person key); a bad record is
   rejected with its index, field and reason, never its values (an ID number must not land in
   ``FeedBatch.errors`` or a log), and the good records of the batch are kept;
2. duplicates inside the batch are dropped by natural key, and the rest is stored with
   insert-or-ignore on the natural key, so a resent batch changes nothing. On PostgreSQL the rows
   go through ``COPY`` into a temporary table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING
   RETURNING``; on SQLite through ``executemany`` of ``INSERT OR IGNORE`` (``_store``);
3. the per-person state (``PersonStatus``: codes only if newer, last sample, last negative = max)
   is upserted and ``last_negative_at`` copied onto the roster rows of those people, in bulk
   (``status``), so overdue lists never rescan history;
4. the sentinel hooks get the newly stored rows (of test results, the positives); arrival reports
   go to ``register_arrival``.

NAT results on PostgreSQL — the mass feed, about two million a day — take one path for steps 2
and 3: one ``COPY`` and one statement per batch (``_store_test_results_postgresql``), measured in
``benchmarks/ingest_test_results.py``.
"""

import datetime
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sibao.accounts.access import can
from sibao.core import audit
from sibao.core.bulk import part_statements, part_values
from sibao.core.personal import (
    ID_PATTERN,
    id_check_digit,
    normalise_phone,
    person_key,
    person_key_hasher,
)
from sibao.epidemic import status
from sibao.epidemic.models import (
    ArrivalReport,
    DrugClass,
    DrugPurchase,
    FeedBatch,
    FeedKind,
    HealthCodeChange,
    ItineraryChange,
    StaffMember,
    TestResult,
)

__all__ = ["RECORD_FIELDS", "ingest", "RecordField", "register_store"]

log = logging.getLogger(__name__)

# The time zone of the feeds: Henan's systems send local times, often without an offset.
FEED_TIME_ZONE = ZoneInfo("Asia/Shanghai")
# Tolerance for the senders' clocks running ahead of ours; a technical margin, not a policy.
CLOCK_SKEW = datetime.timedelta(minutes=5)
REGION_CODE = re.compile(r"^\d{6}$")
# How many values one SQL statement may carry (SQLite's limit is 32 766 variables).
CHUNK = 5000


class Rejected(Exception):
    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


# --- field types: each turns a raw value into a clean one or raises Rejected -------------------


def _text(value, f: "RecordField"):
    text = "" if value is None else str(value).strip()
    if f.max_length and len(text) > f.max_length:
        raise Rejected(f.name, _("超过 %(n)d 个字符。") % {"n": f.max_length})
    return text


def _choice(value, f: "RecordField"):
    text = "" if value is None else str(value).strip()
    if text not in f.choices:
        raise Rejected(
            f.name, _("取值无效，应为：%(choices)s。") % {"choices": "、".join(f.choices)}
        )
    return text


_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f", ""}


def _bool(value, f: "RecordField"):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Rejected(f.name, _("应为 true 或 false。"))


def _datetime(value, f: "RecordField"):
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise Rejected(
                f.name, _("时间格式无效，应为 ISO 8601（如 2022-05-20T08:30:00+08:00）。")
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=FEED_TIME_ZONE)
    return moment


def _date(value, f: "RecordField"):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise Rejected(f.name, _("日期格式无效，应为 YYYY-MM-DD。")) from None


def _region(value, f: "RecordField"):
    text = "" if value is None else str(value).strip()
    if text and not REGION_CODE.match(text):
        raise Rejected(f.name, _("区划代码应为 6 位数字。"))
    return text


def _id_number(value, f: "RecordField"):
    # checked (and turned into the person key) by ``_clean``, which keeps both
    return str(value).strip()


def _phone(value, f: "RecordField"):
    try:
        return normalise_phone(value)
    except ValidationError as exc:
        raise Rejected(f.name, exc.messages[0]) from None


@dataclass(frozen=True)
class RecordField:
    """One field of a feed record: its name in the JSON/CSV record, its type, whether it must be
    present, and its default when it may be left out."""

    name: str
    type: str  # text | choice | bool | datetime | date | region | id_number | phone
    required: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    default: object = None
    not_future: bool = False
    help: str = ""

    @property
    def parse(self) -> Callable:
        return _PARSERS[self.type]


_PARSERS = {
    "text": _text,
    "choice": _choice,
    "bool": _bool,
    "datetime": _datetime,
    "date": _date,
    "region": _region,
    "id_number": _id_number,
    "phone": _phone,
}

F = RecordField
_ID = F("id_number", "id_number", help="居民身份证号码（18 位）")
# What each kind of record carries. The API documents and the CSV header follow these names.
RECORD_FIELDS: dict[str, tuple[RecordField, ...]] = {
    FeedKind.TEST_RESULT: (
        _ID,
        F("sample_no", "text", max_length=64, help="样本编号（混检时同管多人相同）"),
        F("sampled_at", "datetime", not_future=True, help="采样时间"),
        F("result", "choice", choices=("negative", "positive"), help="检测结果"),
        F("is_pooled", "bool", required=False, default=False, help="是否混检"),
        F("lab", "text", required=False, max_length=64, help="检测机构（缺省为数据来源）"),
    ),
    FeedKind.HEALTH_CODE: (
        _ID,
        F("colour", "choice", choices=("green", "yellow", "red"), help="健康码颜色"),
        F("changed_at", "datetime", not_future=True, help="变更时间"),
        F("reason", "text", required=False, max_length=64, default="", help="赋码原因"),
    ),
    FeedKind.ITINERARY: (
        _ID,
        F("status", "choice", choices=("normal", "starred", "abnormal"), help="行程码状态"),
        F("changed_at", "datetime", not_future=True, help="变更时间"),
        F(
            "origin_region",
            "region",
            required=False,
            default="",
            help="14 天内到达的县级区划代码（省外来豫时填写）",
        ),
    ),
    FeedKind.DRUG_PURCHASE: (
        F("record_no", "text", max_length=64, help="购药记录编号（本来源内唯一）"),
        _ID,
        F("pharmacy", "text", max_length=128, help="药店名称"),
        F("pharmacy_region", "region", required=False, default="", help="药店县级区划代码"),
        F("drug_class", "choice", choices=tuple(DrugClass.values), help="药品类别"),
        F("purchased_at", "datetime", not_future=True, help="购药时间"),
    ),
    FeedKind.ARRIVAL: (
        F("report_no", "text", max_length=64, help="豫事办报备编号"),
        F("enterprise", "text", max_length=18, help="目的地单位统一社会信用代码"),
        _ID,
        F("name", "text", max_length=64, help="姓名"),
        F("phone", "phone", help="手机号码"),
        F("origin_region", "region", help="出发地县级区划代码"),
        F("origin_name", "text", required=False, max_length=128, default="", help="出发地"),
        F("travel_history", "text", required=False, default="", help="14 天旅居史"),
        F("expected_arrival", "date", help="预计到达日期"),
        F(
            "purpose",
            "choice",
            required=False,
            choices=("visit", "return", "other"),
            default="visit",
            help="事由",
        ),
        F("has_symptoms", "bool", required=False, default=False, help="有无发热、咳嗽等症状"),
        F(
            "en_route_status",
            "choice",
            required=False,
            choices=("", "infected", "close", "secondary"),
            default="",
            help="途中判定（感染者、密接、次密接）",
        ),
        F("last_test_on", "date", required=False, help="最近核酸检测日期"),
    ),
    # stored by the places module (``places.ingest``), registered with ``register_store``
    FeedKind.SCAN: (
        F("device", "text", max_length=48, help="扫码设备（闸机）编号（本来源内唯一）"),
        F("event_id", "text", max_length=64, help="设备事件编号（同一设备内唯一，重发不重复入库）"),
        F("place_code", "text", max_length=200, help="场所码内容（二维码内容或其中的编码）"),
        F("at", "datetime", not_future=True, help="扫码时间"),
        F(
            "direction",
            "choice",
            required=False,
            choices=("in", "out"),
            default="in",
            help="进入或离开",
        ),
        F("id_number", "id_number", required=False, help="居民身份证号码（与工牌码二选一）"),
        F("badge", "text", required=False, max_length=64, default="", help="工牌码内容"),
    ),
}

# kind -> function(batch, feed_batch, records, validate) -> number stored, for kinds with a store
# of their own (the NAT feed's bulk path below, the scans of ``places.ingest``): it gets the raw
# records and the batch's validator (``validate(records, offset)`` -> clean values of that part),
# so that it can validate part by part while the database stores the part before; it appends
# its own rejected records to ``batch.errors`` ({index, field, reason}) and counts its duplicates
# in ``batch.duplicates``.
_STORES: dict[str, Callable] = {}


def register_store(kind: str, store: Callable) -> None:
    _STORES[FeedKind(kind)] = store


@dataclass
class _Batch:
    """Working state of one batch while it is validated and stored."""

    kind: str
    source: object
    now: datetime.datetime
    errors: list = field(default_factory=list)
    duplicates: int = 0


def _clean(record, fields: tuple[RecordField, ...], now, today, keys=None) -> dict:
    """One record's clean values (``Rejected`` on the first bad field). ``keys``: the person
    keys already computed in this batch, by raw ID number (a gateway batch repeats people)."""
    if not isinstance(record, dict):
        raise Rejected("", _("记录应为 JSON 对象。"))
    values = {}
    latest = now + CLOCK_SKEW
    for f in fields:
        raw = record.get(f.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if f.required:
                raise Rejected(f.name, _("必填。"))
            values[f.name] = f.default
            continue
        value = _PARSERS[f.type](raw, f)
        if f.type == "id_number":
            key = keys.get(value) if keys is not None else None
            if key is None:
                try:
                    # one pass: the ID number is checked and hashed together
                    key = person_key(value, today)
                except ValidationError as exc:
                    # the validator's messages never contain the number itself
                    raise Rejected(f.name, exc.messages[0]) from None
                if keys is not None:
                    keys[value] = key
            values["person_key"] = key
        if f.required and value == "":
            raise Rejected(f.name, _("必填。"))
        if f.not_future and value > latest:
            raise Rejected(f.name, _("时间晚于当前时间。"))
        values[f.name] = value
    return values


# --- the fast path: the common, well-formed record of the mass feeds ------------------------------
#
# NAT results and gateway scans come by the million: a record whose every field is already in
# its clean form (strings stripped, known choices, a real bool, an ID number already normalised)
# is read by a parser of its own kind below, without the per-field dispatch of ``_clean``.
# Anything else (a missing or odd field, a bad ID number, a time in the future …) returns None and
# the record goes through ``_clean``, which gives the values or the exact rejection.

_BIRTH_FIRST = datetime.date(1900, 1, 1)


class _PersonKeys:
    """The person keys of one batch, by stripped ID number (shared with ``_clean``): each
    distinct number is checked and hashed once; birth dates are checked once each."""

    def __init__(self, today):
        self.today = today
        self.by_number: dict[str, str] = {}
        self.births: dict[str, bool] = {}
        self.hash = person_key_hasher()

    def fast(self, number: str) -> str | None:
        """The key of an already normalised, valid ID number; None for anything else (which
        ``person_key`` then normalises or refuses with its message)."""
        key = self.by_number.get(number)
        if key is not None:
            return key
        if len(number) != 18 or not ID_PATTERN.match(number):
            return None
        if id_check_digit(number[:17]) != number[17]:
            return None
        born = number[6:14]
        valid = self.births.get(born)
        if valid is None:
            try:
                day = datetime.date(int(born[:4]), int(born[4:6]), int(born[6:]))
            except ValueError:
                valid = False
            else:
                valid = _BIRTH_FIRST <= day <= self.today
            self.births[born] = valid
        if not valid:
            return None
        key = self.by_number[number] = self.hash(number)
        return key


_fromisoformat = datetime.datetime.fromisoformat
_RESULTS = frozenset(("negative", "positive"))
_DIRECTIONS = frozenset(("in", "out"))


def _fast_moment(raw, latest):
    """An aware datetime not after ``latest`` from an ISO string or a datetime, else None."""
    if type(raw) is str:
        try:
            moment = _fromisoformat(raw.strip())
        except ValueError:
            return None
    elif type(raw) is datetime.datetime:
        moment = raw
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=FEED_TIME_ZONE)
    if moment > latest:
        return None
    return moment


def _fast_text(raw, max_length):
    """A required text field: the stripped string, or None (missing, empty, too long, not a
    string)."""
    if type(raw) is not str:
        return None
    text = raw.strip()
    if not text or len(text) > max_length:
        return None
    return text


def _fast_test_result(record, latest, ids: _PersonKeys):
    if type(record) is not dict:
        return None
    get = record.get
    number = get("id_number")
    if type(number) is not str:
        return None
    number = number.strip()
    key = ids.fast(number)
    if key is None:
        return None
    sample_no = _fast_text(get("sample_no"), 64)
    if sample_no is None:
        return None
    sampled_at = _fast_moment(get("sampled_at"), latest)
    if sampled_at is None:
        return None
    result = get("result")
    if type(result) is not str or result not in _RESULTS:
        return None
    pooled = get("is_pooled")
    if pooled is None:
        pooled = False
    elif type(pooled) is not bool:
        return None
    lab = get("lab")
    if lab is not None:
        if type(lab) is not str:
            return None
        lab = lab.strip() or None
        if lab is not None and len(lab) > 64:
            return None
    return {
        "person_key": key,
        "id_number": number,
        "sample_no": sample_no,
        "sampled_at": sampled_at,
        "result": result,
        "is_pooled": pooled,
        "lab": lab,
    }


def _fast_scan(record, latest, ids: _PersonKeys):
    if type(record) is not dict:
        return None
    get = record.get
    device = _fast_text(get("device"), 48)
    event_id = _fast_text(get("event_id"), 64)
    place_code = _fast_text(get("place_code"), 200)
    if device is None or event_id is None or place_code is None:
        return None
    at = _fast_moment(get("at"), latest)
    if at is None:
        return None
    direction = get("direction")
    if direction is None:
        direction = "in"
    elif type(direction) is not str or direction not in _DIRECTIONS:
        return None
    values = {
        "device": device,
        "event_id": event_id,
        "place_code": place_code,
        "at": at,
        "direction": direction,
    }
    number = get("id_number")
    if number is not None:
        if type(number) is not str:
            return None
        number = number.strip()
        key = ids.fast(number)
        if key is None:
            return None
        values["person_key"] = key
    values["id_number"] = number
    badge = get("badge")
    if badge is None:
        badge = ""
    elif type(badge) is not str:
        return None
    else:
        badge = badge.strip()
        if len(badge) > 64:
            return None
    values["badge"] = badge
    return values


_FAST = {FeedKind.TEST_RESULT: _fast_test_result, FeedKind.SCAN: _fast_scan}


def _natural_key(kind: str, values: dict, source) -> tuple:
    if kind == FeedKind.TEST_RESULT:
        return (values["lab"] or source.code, values["sample_no"], values["person_key"])
    if kind in (FeedKind.HEALTH_CODE, FeedKind.ITINERARY):
        return (values["person_key"], values["changed_at"])
    if kind == FeedKind.DRUG_PURCHASE:
        return (values["record_no"],)
    if kind == FeedKind.SCAN:
        return (values["device"], values["event_id"])
    return (values["report_no"],)


def _scrub(reason: str, record) -> str:
    """Belt and braces for reasons that come from other modules: never let a record's ID number
    or phone through into the stored errors."""
    if isinstance(record, dict):
        for name in ("id_number", "phone"):
            secret = str(record.get(name) or "").strip()
            if len(secret) >= 6 and secret in reason:
                reason = reason.replace(secret, "***")
    return reason


class _Validator:
    """Validates a batch's records, all at once or part by part (a store that overlaps its
    database work with the validation of the next part): each record is checked on its own,
    records repeating a natural key already seen in the batch are counted as duplicates, and the
    person keys of repeated ID numbers are computed once for the whole batch."""

    def __init__(self, batch: _Batch):
        self.batch = batch
        self.fields = RECORD_FIELDS[batch.kind]
        self.seen: set = set()
        self.today = timezone.localdate(batch.now)
        self.ids = _PersonKeys(self.today)
        self.fast = _FAST.get(batch.kind)
        self.latest = batch.now + CLOCK_SKEW

    def __call__(self, records, offset: int = 0) -> list[dict]:
        """The clean values of ``records``, whose first is the batch's record ``offset``."""
        batch, seen, fast, ids, latest = self.batch, self.seen, self.fast, self.ids, self.latest
        keys = ids.by_number
        scan = batch.kind == FeedKind.SCAN
        clean = []
        for index, record in enumerate(records, offset):
            values = fast(record, latest, ids) if fast is not None else None
            if values is None:
                try:
                    values = _clean(record, self.fields, batch.now, self.today, keys)
                except Rejected as exc:
                    batch.errors.append(
                        {"index": index, "field": exc.field, "reason": _scrub(exc.reason, record)}
                    )
                    continue
            if scan:
                key = (values["device"], values["event_id"])
            else:
                key = _natural_key(batch.kind, values, batch.source)
            if key in seen:
                batch.duplicates += 1
                continue
            seen.add(key)
            values["index"] = index
            clean.append(values)
        return clean


# --- storage -----------------------------------------------------------------------------------


def _root_region() -> str:
    from sibao.regions.models import Region

    return Region.objects.filter(parent__isnull=True).values_list("code", flat=True).first() or ""


def _scopes(keys) -> dict[str, tuple[str, int]]:
    """person key -> (region_code, enterprise_id) of the person's active roster row (the one of
    the lowest unit id when a person is on several rosters, e.g. logistics staff serving two
    units: the order of the ``staff_once_per_unit`` index, which the bulk path reads)."""
    found: dict[str, tuple[str, int]] = {}
    keys = list(keys)
    for start in range(0, len(keys), CHUNK):
        rows = (
            StaffMember.objects.filter(person_key__in=keys[start : start + CHUNK], is_active=True)
            .order_by("-enterprise_id")
            .values_list("person_key", "region_code", "enterprise_id")
        )
        for key, region_code, enterprise_id in rows:
            found[key] = (region_code, enterprise_id)
    return found


def _event_fields(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _store(model, rows: list[dict]) -> list:
    """Insert ``rows`` (dicts by attname) into ``model``'s table, ignoring rows whose natural key
    is already stored; returns the newly stored rows as model instances."""
    if not rows:
        return []
    fields = _event_fields(model)
    names = [f.attname for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        return _store_postgresql(model, table, columns, names, rows)
    adapters = [_sqlite_adapter(f) for f in fields]
    params = [
        tuple(adapt(row[name]) for adapt, name in zip(adapters, names, strict=True)) for row in rows
    ]
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({placeholders})", params
        )
    # the rows just stored are exactly those carrying this batch (a duplicate keeps its own)
    return list(model.objects.filter(batch_id=rows[0]["batch_id"]).order_by("id"))


def _sqlite_adapter(f):
    internal = f.get_internal_type()
    if internal == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if internal == "DateField":
        return connection.ops.adapt_datefield_value
    return lambda value: value


def _store_postgresql(model, table, columns, names, rows):
    temporary = f"feed_{model._meta.model_name}"
    returning = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)
    with connection.cursor() as cursor:
        # a column-only copy of the table: no constraints or indexes, so COPY runs at full speed
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temporary} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {temporary} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temporary} "
            f"ON CONFLICT DO NOTHING RETURNING {returning}"
        )
        stored = cursor.fetchall()
        cursor.execute(f"DROP TABLE {temporary}")
    attnames = [f.attname for f in model._meta.concrete_fields]
    return [model.from_db(connection.alias, attnames, row) for row in stored]


_MODELS = {
    FeedKind.TEST_RESULT: TestResult,
    FeedKind.HEALTH_CODE: HealthCodeChange,
    FeedKind.ITINERARY: ItineraryChange,
    FeedKind.DRUG_PURCHASE: DrugPurchase,
}
_KIND_COLUMNS = {
    FeedKind.TEST_RESULT: ("lab", "sample_no", "sampled_at", "result", "is_pooled"),
    FeedKind.HEALTH_CODE: ("colour", "changed_at", "reason"),
    FeedKind.ITINERARY: ("status", "origin_region", "changed_at"),
    FeedKind.DRUG_PURCHASE: (
        "record_no",
        "pharmacy",
        "pharmacy_region",
        "drug_class",
        "purchased_at",
    ),
}


def _store_events(batch: _Batch, record: FeedBatch, clean: list[dict]) -> list:
    kind = batch.kind
    scopes = _scopes({values["person_key"] for values in clean})
    root = _root_region() if len(scopes) < len({v["person_key"] for v in clean}) else ""
    received_at = timezone.now()
    own = _KIND_COLUMNS[kind]
    rows = []
    for values in clean:
        scope = scopes.get(values["person_key"])
        if scope is not None:
            region_code, enterprise_id = scope
        else:
            # off-roster people: the pharmacy's county for a purchase (its sentinel unit sees
            # it), otherwise the province, so that only province-wide grants see the row
            region_code = values.get("pharmacy_region") or root
            enterprise_id = None
        row = {
            "person_key": values["person_key"],
            "source_id": batch.source.pk,
            "batch_id": record.pk,
            "received_at": received_at,
            "region_code": region_code,
            "enterprise_id": enterprise_id,
        }
        for name in own:
            row[name] = values[name]
        if kind == FeedKind.TEST_RESULT and not row["lab"]:
            row["lab"] = batch.source.code
        rows.append(row)
    return _store(_MODELS[kind], rows)


# --- storing in parts through the pipeline (PostgreSQL) -------------------------------------------
#
# A bulk store validates a batch part by part and sends each part's statement through the
# connection's pipeline (psycopg): the database stores one part while Python validates the next,
# instead of the two taking turns. A part's rows go as one text per column, a line per row, split
# by the database and zipped by ``ROWS FROM (string_to_table(…))``: adapting arrays of a few
# thousand values costs the client about 55 ms a part, joining the texts about 5 ms (one text of
# tab-separated lines would cost the database 30 ms to take apart). A part with a value that
# holds a line end, a NULL or a lone empty value goes as arrays instead.

PART = 2500
FIRST_PART = 500  # short, so that the database starts storing soon


def parts(total: int):
    """(start, end) of the parts of a batch of ``total`` records."""
    start, size = 0, FIRST_PART
    while start < total:
        yield start, min(start + size, total)
        start, size = start + size, PART


def send_parts(batch_records, validate, statement) -> tuple[list, int]:
    """Validate ``batch_records`` part by part and send each part's statement through the
    pipeline: ``statement(clean)`` gives (sql, params) or None for nothing to store. Returns the
    cursors sent, whose results are there once this returns, and the number of clean records."""
    raw = connection.connection
    with connection.cursor() as cursor:
        # short statements: compiling them (JIT) would cost more than it saves
        cursor.execute("SET LOCAL jit = off")
    sent, validated = [], 0
    # a query of Python's in between (e.g. a partition to create) waits for what the pipeline
    # holds, then the pipeline goes on
    with raw.pipeline():
        for start, end in parts(len(batch_records)):
            clean = validate(batch_records[start:end], start)
            validated += len(clean)
            query = statement(clean)
            if query is not None:
                cursor = psycopg.Cursor(raw)
                cursor.execute(*query, prepare=False)
                sent.append(cursor)
    return sent, validated


_FEED_COLUMNS = (
    ("person_key", "varchar"),
    ("lab", "varchar"),
    ("sample_no", "varchar"),
    ("sampled_at", "timestamptz"),
    ("result", "varchar"),
    ("is_pooled", "boolean"),
)


def _test_result_statement(batch: _Batch, record: FeedBatch, received_at):
    """``statement`` of ``send_parts`` for NAT results: one statement per part looks up each
    person's roster scope (as ``_scopes`` does), stores the results with ``ON CONFLICT DO
    NOTHING`` and, in the same statement, folds the stored ones into ``PersonStatus`` and the
    roster (``status.test_result_fold_sql``); it returns the number stored."""
    quote = connection.ops.quote_name
    columns = [f.column for f in _event_fields(TestResult)]
    selected = {
        "source_id": "%(source)s",
        "batch_id": "%(batch)s",
        "received_at": "%(received)s",
        "region_code": "COALESCE(s.region_code, %(root)s)",
        "enterprise_id": "s.enterprise_id",
        **{name: f"f.{name}" for name, _type in _FEED_COLUMNS},
    }
    fold = status.test_result_fold_sql("inserted", "%(received)s")

    def sql(rows: str) -> str:
        return f"""WITH inserted AS (
            INSERT INTO epidemic_testresult ({", ".join(quote(c) for c in columns)})
            SELECT {", ".join(selected[c] for c in columns)}
            FROM {rows}
            LEFT JOIN LATERAL (
                SELECT m.region_code, m.enterprise_id FROM epidemic_staffmember AS m
                WHERE m.person_key = f.person_key AND m.is_active
                ORDER BY m.enterprise_id LIMIT 1
            ) AS s ON TRUE
            ON CONFLICT DO NOTHING
            RETURNING person_key, sampled_at, result
        ),
        {fold}
        SELECT count(*) FROM inserted"""

    statements = part_statements(_FEED_COLUMNS, sql)
    constants = {
        "source": batch.source.pk,
        "batch": record.pk,
        "received": received_at,
        "root": _root_region(),
    }
    own_lab = batch.source.code

    def statement(clean):
        if not clean:
            return None
        rows = [
            (
                values["person_key"],
                values["lab"] or own_lab,
                values["sample_no"],
                values["sampled_at"],
                values["result"],
                values["is_pooled"],
            )
            for values in clean
        ]
        as_text, params = part_values(_FEED_COLUMNS, rows)
        return statements[as_text], {**constants, **params}

    return statement


def _store_test_results_postgresql(batch: _Batch, record: FeedBatch, records, validate):
    """The NAT feed's bulk path on PostgreSQL, in parts through the pipeline (``send_parts``).
    Returns the number stored and the stored positives (for the sentinel); counts the clean
    records not stored as duplicates."""
    statement = _test_result_statement(batch, record, timezone.now())
    sent, validated = send_parts(records, validate, statement)
    accepted = 0
    for cursor in sent:
        accepted += cursor.fetchone()[0]
        cursor.close()
    batch.duplicates += validated - accepted
    positives = list(
        TestResult.objects.filter(batch_id=record.pk, result="positive").order_by("id")
    )
    return accepted, positives


def _store_arrivals(batch: _Batch, clean: list[dict]) -> list:
    """豫事办 reports go through the arrivals area's action, which codes each arrival; a report
    number already stored is a duplicate, a report the action refuses is a rejected record."""
    from sibao.enterprises.models import Enterprise
    from sibao.epidemic.actions import register_arrival

    numbers = [values["report_no"] for values in clean]
    known = set()
    for start in range(0, len(numbers), CHUNK):
        known.update(
            ArrivalReport.objects.filter(report_no__in=numbers[start : start + CHUNK]).values_list(
                "report_no", flat=True
            )
        )
    codes = {values["enterprise"].upper() for values in clean}
    units = {}
    for unit in Enterprise.objects.filter(credit_code__in=codes):
        units[unit.credit_code] = unit
    stored = []
    for values in clean:
        if values["report_no"] in known:
            batch.duplicates += 1
            continue
        unit = units.get(values["enterprise"].upper())
        if unit is None:
            batch.errors.append(
                {
                    "index": values["index"],
                    "field": "enterprise",
                    "reason": _("未找到该统一社会信用代码的单位。"),
                }
            )
            continue
        try:
            with transaction.atomic():
                report = register_arrival(
                    unit,
                    actor=None,
                    source="feed",
                    report_no=values["report_no"],
                    id_number=values["id_number"],
                    name=values["name"],
                    phone=values["phone"],
                    origin_region=values["origin_region"],
                    origin_name=values["origin_name"],
                    travel_history=values["travel_history"],
                    expected_arrival=values["expected_arrival"],
                    purpose=values["purpose"],
                    has_symptoms=values["has_symptoms"],
                    en_route_status=values["en_route_status"],
                    last_test_on=values["last_test_on"],
                    is_supplementary=False,
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                items = [(name, msgs[0]) for name, msgs in exc.message_dict.items()]
            else:
                items = [("", exc.messages[0])]
            name, reason = items[0]
            batch.errors.append(
                {
                    "index": values["index"],
                    "field": "" if name == "__all__" else name,
                    "reason": _scrub(reason, values),
                }
            )
            continue
        stored.append(report)
    return stored


def _call_hooks(kind: str, stored: list) -> None:
    """The sentinel gets the newly stored rows; of test results only the positives (the only
    ones it acts on, and all that the PostgreSQL bulk path reads back)."""
    if kind == FeedKind.TEST_RESULT:
        stored = [row for row in stored if row.result == "positive"]
    if not stored:
        return
    # imported here: the sentinel imports models and queries that import this module's callers
    from sibao.epidemic import sentinel

    if kind == FeedKind.TEST_RESULT:
        sentinel.on_test_results(stored)
    elif kind == FeedKind.DRUG_PURCHASE:
        sentinel.on_drug_purchases(stored)
    elif kind == FeedKind.ITINERARY:
        sentinel.on_itineraries(stored)


def _store_clean(batch: _Batch, record: FeedBatch, clean: list[dict]) -> int:
    """Store a batch's clean records (kinds without a store of their own); returns the number
    stored."""
    kind = batch.kind
    if kind == FeedKind.ARRIVAL:
        return len(_store_arrivals(batch, clean))
    stored = _store_events(batch, record, clean)
    # a record whose natural key was already stored is a duplicate, not an error
    batch.duplicates += len(clean) - len(stored)
    status.apply(kind, stored)
    _call_hooks(kind, stored)
    return len(stored)


def _store_test_results(batch: _Batch, record: FeedBatch, records, validate) -> int:
    """The NAT feed's store: in parts through the pipeline on PostgreSQL, as the other event
    kinds elsewhere."""
    if connection.vendor != "postgresql":
        return _store_clean(batch, record, validate(records))
    accepted, positives = _store_test_results_postgresql(batch, record, records, validate)
    _call_hooks(batch.kind, positives)
    return accepted


register_store(FeedKind.TEST_RESULT, _store_test_results)


@transaction.atomic
def ingest(kind, records, *, source, actor, via="api") -> FeedBatch:
    """EPI-02: validate and store one batch of ``kind`` records from ``source``.

    ``actor`` is the data-feed account that sent it (checked for the "ingest" permission and for
    being the source's account), or None for the platform itself (the bulk-file command, the
    simulator). Returns the ``FeedBatch`` with its counts and the rejected records' reasons.
    A batch is stored whole or not at all; a resent batch changes nothing.
    """
    try:
        kind = FeedKind(kind)
    except ValueError:
        raise ValidationError(_("未知的数据类型：%(kind)s。") % {"kind": kind}) from None
    if actor is not None:
        if not can(actor, FeedBatch, "ingest"):
            raise PermissionDenied(_("该账户无权报送数据。"))
        if source.user_id != actor.pk:
            raise PermissionDenied(_("该账户不是此数据来源的接口账户。"))
    if not isinstance(records, list | tuple):
        raise ValidationError(_("记录应为列表。"))
    now = timezone.now()
    batch = _Batch(kind=kind, source=source, now=now)
    record = FeedBatch.objects.create(
        kind=kind,
        source=source,
        received_by=actor if getattr(actor, "is_authenticated", False) else None,
        via=via,
        total=len(records),
    )
    with translation.override(settings.LANGUAGE_CODE):
        validate = _Validator(batch)
        store = _STORES.get(kind)
        if store is not None:
            accepted = store(batch, record, records, validate)
        else:
            accepted = _store_clean(batch, record, validate(records))
    # other apps' listeners of stored NAT results (epidemic.sentinel.add_test_result_listener)
    if kind == FeedKind.TEST_RESULT and accepted:
        from sibao.epidemic import sentinel

        sentinel.nat_results_stored(record)
    batch.errors.sort(key=lambda error: error["index"])
    record.accepted = accepted
    record.duplicates = batch.duplicates
    record.rejected = len(batch.errors)
    record.errors = batch.errors
    record.save(update_fields=["accepted", "duplicates", "rejected", "errors"])
    audit.record(
        "epidemic.ingest",
        actor=actor,
        obj=record,
        changes={
            "total": record.total,
            "accepted": record.accepted,
            "duplicates": record.duplicates,
            "rejected": record.rejected,
        },
        note=source.code,
    )
    log.info(
        "feed batch %s (%s from %s): %d accepted, %d duplicates, %d rejected",
        record.pk,
        kind,
        source.code,
        record.accepted,
        record.duplicates,
        record.rejected,
    )
    return record
