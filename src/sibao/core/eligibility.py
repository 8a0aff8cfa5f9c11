"""Eligibility rules (architecture §7): a JsonLogic-compatible expression tree over a catalogue of
typed attributes, evaluated three-valued with a per-condition explanation, and compiled to a
Django ``Q`` for bulk matching. Whitelist criteria and support policies use the same trees.

The subset::

    {"and": [t, ...]}   {"or": [t, ...]}   {"!": t}
    {"==" | "!=" | ">" | ">=" | "<" | "<=": [{"var": "key"}, constant]}
    {"in": [{"var": "key"}, [constant, ...]]}

Three-valued (Kleene) logic: a condition on an attribute whose value is unknown is unknown;
``and`` is false if any part is false, unknown if any is unknown, else true; ``or`` the dual.
A tree is validated against the catalogue before it is stored (``validate``), so evaluation never
meets an unknown key or operator.
"""

import operator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

COMPARISONS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
LOOKUPS = {"==": "exact", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "in": "in"}
NEGATED = {"==": "!=", "!=": "==", ">": "<=", ">=": "<", "<": ">=", "<=": ">"}
SYMBOLS = {"==": "=", "!=": "≠", ">": ">", ">=": "≥", "<": "<", "<=": "≤"}
LOGICAL = ("and", "or", "!")


@dataclass(frozen=True)
class Attribute:
    """One typed attribute rules may read.

    ``kind``: number, bool, text or choice (``choices``: value -> label). ``column`` is the ORM
    path when the attribute is a column of the matched model; otherwise ``fact_query`` builds the
    ``Q`` for "the current value satisfies lookup" (see ``compile_q``).
    """

    key: str
    label: str
    kind: str
    unit: str = ""
    choices: dict | None = None
    column: str | None = None
    fact_query: object = None  # callable(key, lookup, value) -> Q

    def coerce(self, value):
        """The constant ``value`` as this attribute's type; ValueError when it cannot be."""
        if self.kind == "number":
            if isinstance(value, bool):
                raise ValueError(value)
            try:
                return Decimal(str(value))
            except InvalidOperation:
                raise ValueError(value) from None
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if self.kind == "choice" and self.choices is not None and value not in self.choices:
            raise ValueError(value)
        if not isinstance(value, str):
            raise ValueError(value)
        return value

    def show(self, value) -> str:
        if value is None:
            return str(gettext_lazy("未知"))
        if self.kind == "bool":
            return _("是") if value else _("否")
        if self.kind == "choice" and self.choices:
            return str(self.choices.get(value, value))
        if self.kind == "number":
            number = Decimal(value).normalize()
            text = f"{number:f}"
            return f"{text} {self.unit}".strip()
        return str(value)


@dataclass(frozen=True)
class Fact:
    """A known value and where it came from."""

    value: object
    source: str = ""
    authoritative: bool = True
    as_of: str = ""


@dataclass
class Step:
    """The explanation of one condition: what it asks, what was found, and the outcome."""

    text: str
    result: bool | None
    found: str = ""
    source: str = ""
    authoritative: bool = True

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "result": self.result,
            "found": self.found,
            "source": self.source,
            "authoritative": self.authoritative,
        }


@dataclass
class Outcome:
    result: bool | None
    steps: list[Step] = field(default_factory=list)

    @property
    def unknown(self) -> list[Step]:
        return [s for s in self.steps if s.result is None]

    @property
    def failing(self) -> list[Step]:
        return [s for s in self.steps if s.result is False]

    @property
    def authoritative(self) -> bool:
        """True when no condition that was decided rests on a self-declared fact."""
        return all(s.authoritative for s in self.steps if s.result is not None)


class Catalogue:
    def __init__(self, attributes=()):
        self.attributes = {a.key: a for a in attributes}

    def __getitem__(self, key) -> Attribute:
        return self.attributes[key]

    def __contains__(self, key) -> bool:
        return key in self.attributes

    def __iter__(self):
        return iter(self.attributes.values())

    # --- validation -------------------------------------------------------------------------

    def validate(self, tree) -> None:
        """Raise ValidationError (Chinese message) unless ``tree`` is a well-formed rule."""
        self._check(tree, path="")

    def _fail(self, message, path):
        where = _("（位置：%(path)s）") % {"path": path} if path else ""
        raise ValidationError(message + where)

    def _check(self, tree, path):
        if not isinstance(tree, dict) or len(tree) != 1:
            self._fail(_("规则的每个节点必须是只有一个运算符的对象。"), path)
        ((op, args),) = tree.items()
        here = f"{path}/{op}" if path else op
        if op in ("and", "or"):
            if not isinstance(args, list) or not args:
                self._fail(_("“%(op)s”需要至少一个条件的列表。") % {"op": op}, here)
            for i, part in enumerate(args):
                self._check(part, f"{here}[{i}]")
            return
        if op == "!":
            if isinstance(args, list):
                if len(args) != 1:
                    self._fail(_("“!”只能作用于一个条件。"), here)
                args = args[0]
            self._check(args, here)
            return
        if op not in COMPARISONS and op != "in":
            self._fail(_("不支持的运算符：%(op)s") % {"op": op}, here)
        if not isinstance(args, list) or len(args) != 2:
            self._fail(_("比较运算需要两个参数：属性和常量。"), here)
        var, constant = args
        if not (isinstance(var, dict) and set(var) == {"var"} and isinstance(var["var"], str)):
            self._fail(_('比较的第一个参数必须是 {"var": 属性}。'), here)
        key = var["var"]
        if key not in self.attributes:
            self._fail(_("未知的属性：%(key)s") % {"key": key}, here)
        attribute = self.attributes[key]
        constants = constant if op == "in" else [constant]
        if op == "in" and (not isinstance(constant, list) or not constant):
            self._fail(_("“in”的第二个参数必须是非空列表。"), here)
        if attribute.kind in ("bool", "text", "choice") and op in (">", ">=", "<", "<="):
            self._fail(_("属性“%(label)s”不能比较大小。") % {"label": attribute.label}, here)
        for value in constants:
            try:
                attribute.coerce(value)
            except ValueError:
                self._fail(
                    _("属性“%(label)s”的取值无效：%(value)s")
                    % {"label": attribute.label, "value": value},
                    here,
                )

    # --- evaluation -------------------------------------------------------------------------

    def evaluate(self, tree, facts: dict) -> Outcome:
        """Three-valued evaluation of ``tree`` over ``facts`` (key -> Fact; absent = unknown)."""
        outcome = Outcome(result=None)
        outcome.result = self._eval(tree, facts, outcome.steps)
        return outcome

    def _eval(self, tree, facts, steps):
        ((op, args),) = tree.items()
        if op == "and":
            results = [self._eval(part, facts, steps) for part in args]
            if False in results:
                return False
            return None if None in results else True
        if op == "or":
            results = [self._eval(part, facts, steps) for part in args]
            if True in results:
                return True
            return None if None in results else False
        if op == "!":
            inner = args[0] if isinstance(args, list) else args
            result = self._eval(inner, facts, steps)
            return None if result is None else not result
        key = args[0]["var"]
        attribute = self.attributes[key]
        fact = facts.get(key)
        value = None if fact is None else fact.value
        if value is None:
            result = None
        elif op == "in":
            result = value in [attribute.coerce(c) for c in args[1]]
        else:
            expected = attribute.coerce(args[1])
            if attribute.kind == "number":
                value = Decimal(str(value))
            result = COMPARISONS[op](value, expected)
        steps.append(
            Step(
                text=self.describe(tree),
                result=result,
                found=attribute.show(value),
                source=fact.source if fact is not None else "",
                authoritative=fact.authoritative if fact is not None else True,
            )
        )
        return result

    def keys(self, tree) -> set[str]:
        """The attribute keys a tree reads."""
        ((op, args),) = tree.items()
        if op in ("and", "or"):
            return set().union(*(self.keys(part) for part in args))
        if op == "!":
            return self.keys(args[0] if isinstance(args, list) else args)
        return {args[0]["var"]}

    # --- description ------------------------------------------------------------------------

    def describe(self, tree) -> str:
        """The tree in words, e.g. ``年营业收入 ≥ 100000 万元 或 专精特新 = 国家级“小巨人”``."""
        ((op, args),) = tree.items()
        if op in ("and", "or"):
            joiner = _(" 且 ") if op == "and" else _(" 或 ")
            parts = [self.describe(part) for part in args]
            text = joiner.join(parts)
            return f"（{text}）" if len(parts) > 1 else text
        if op == "!":
            return _("非") + self.describe(args[0] if isinstance(args, list) else args)
        attribute = self.attributes[args[0]["var"]]
        if op == "in":
            values = "、".join(attribute.show(attribute.coerce(v)) for v in args[1])
            return _("%(label)s 属于 %(values)s") % {"label": attribute.label, "values": values}
        shown = attribute.show(attribute.coerce(args[1]))
        return f"{attribute.label} {SYMBOLS[op]} {shown}"

    # --- compilation ------------------------------------------------------------------------

    def compile_q(self, tree, *, negate: bool = False) -> Q:
        """A ``Q`` for the rows where ``tree`` is true (``negate``: where it is false).

        Unknown values make neither true nor false, as in ``evaluate``: the rows matching
        neither ``compile_q(t)`` nor ``compile_q(t, negate=True)`` are the unknown ones.
        """
        ((op, args),) = tree.items()
        if op in ("and", "or"):
            parts = [self.compile_q(part, negate=negate) for part in args]
            combine_and = (op == "and") != negate
            q = parts[0]
            for part in parts[1:]:
                q = (q & part) if combine_and else (q | part)
            return q
        if op == "!":
            return self.compile_q(args[0] if isinstance(args, list) else args, negate=not negate)
        attribute = self.attributes[args[0]["var"]]
        if op == "in":
            values = [attribute.coerce(v) for v in args[1]]
            return self._leaf_q(attribute, "in", values, exclude=negate)
        if negate:
            op = NEGATED[op]
        return self._leaf_q(attribute, op, attribute.coerce(args[1]))

    def _leaf_q(self, attribute, op, value, exclude=False) -> Q:
        if op == "!=" or exclude:
            # known and different: "value is not null and not equal"
            lookup = "in" if op == "in" else "exact"
            if attribute.column:
                return Q(**{f"{attribute.column}__isnull": False}) & ~Q(
                    **{f"{attribute.column}__{lookup}": value}
                )
            return attribute.fact_query(attribute.key, lookup, value, exclude=True)
        lookup = LOOKUPS[op]
        if attribute.column:
            return Q(**{f"{attribute.column}__{lookup}": value})
        return attribute.fact_query(attribute.key, lookup, value, exclude=False)
