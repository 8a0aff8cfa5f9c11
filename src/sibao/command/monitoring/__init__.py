"""MON-02: the warning rules of the seven monitoring dimensions of D1 一(三)3.

A rule is named (``code``, a Chinese ``name``), belongs to one dimension, has a default level,
names the rule-set parameters it reads and checks its condition with a few set-based queries:
``rule.evaluate(rules, now, units=None)`` returns the ``Firing`` of every subject (a unit, a
region, a demand, an incident, a cadre's assignment) for which the condition holds now, each
with the figures that fired it. ``units`` (a set of enterprise ids) narrows a unit-level rule to
those units: the event hooks (``command.monitoring.events``) re-check one unit after a save.

Rules read; they never write. ``command.actions.warnings.evaluate_warnings`` turns firings into
``EarlyWarning`` rows (raise once per key, refresh, clear, reopen) with the rule-set version.

The key of a warning is ``<rule>:<subject>[:<episode>]``: the same condition of the same subject
raises one warning however often it is evaluated. A rule may name an episode (the daily-report
rule names the last day the unit filed), so that a new occurrence after the condition had ended
is a new warning.
"""

from dataclasses import dataclass, field

__all__ = ["KEY_LENGTH", "REGISTRY", "Firing", "Rule", "choices", "get", "register", "rules_of"]

# keys stay well below the column's 200 characters: a closed warning's key is retired by
# appending "#<id>" (actions.warnings), which must still fit
KEY_LENGTH = 180


@dataclass
class Firing:
    """One subject for which a rule's condition holds now."""

    subject: str  # "unit:12", "region:410102", "demand:5", "incident:7", "grant:9"
    region_code: str
    title: str
    detail: str = ""
    enterprise_id: int | None = None
    industry_id: str | None = None
    facts: dict = field(default_factory=dict)  # the figures that fired the rule
    episode: str = ""
    level: str | None = None  # None: the rule's level


@dataclass(frozen=True)
class Rule:
    code: str
    name: object  # lazy Chinese text
    dimension: str
    level: str
    parameters: tuple[str, ...]
    explanation: object  # lazy Chinese text: what the rule checks, in words
    check: object  # check(rules, now, units) -> iterable of Firing
    unit_level: bool = True  # False: a regional rule (not narrowed to units on events)
    events: tuple[str, ...] = ()  # model labels whose save re-checks the rule for that unit

    def evaluate(self, rules, now, units=None) -> list[Firing]:
        if units is not None and not self.unit_level:
            return []
        return list(self.check(rules, now, None if units is None else set(units)))

    def key(self, firing: Firing) -> str:
        parts = [self.code, firing.subject]
        if firing.episode:
            parts.append(firing.episode)
        return ":".join(parts)[:KEY_LENGTH]

    def parameter_values(self, rules) -> dict:
        return {key: _plain(rules[key]) for key in self.parameters}


def _plain(value):
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)


REGISTRY: dict[str, Rule] = {}


def register(
    code,
    *,
    name,
    dimension,
    level,
    parameters=(),
    explanation="",
    unit_level=True,
    events=(),
):
    """Decorator: register ``check`` as the rule ``code``."""

    def decorate(check):
        if code in REGISTRY:
            raise ValueError(f"warning rule {code!r} registered twice")
        REGISTRY[code] = Rule(
            code=code,
            name=name,
            dimension=dimension,
            level=level,
            parameters=tuple(parameters),
            explanation=explanation,
            check=check,
            unit_level=unit_level,
            events=tuple(events),
        )
        return check

    return decorate


def _load() -> None:
    # the rule modules register themselves on import
    from sibao.command.monitoring import rules_business, rules_health  # noqa: F401


def get(code: str) -> Rule | None:
    _load()
    return REGISTRY.get(code)


def rules_of(dimension: str | None = None) -> list[Rule]:
    """Every rule (of one dimension), in the order of the dimensions, then registration."""
    from sibao.command.models import WarningDimension

    _load()
    order = {d: i for i, d in enumerate(WarningDimension.values)}
    found = [r for r in REGISTRY.values() if dimension is None or r.dimension == dimension]
    return sorted(found, key=lambda r: order.get(r.dimension, 99))


def choices() -> list[tuple[str, object]]:
    return [(r.code, r.name) for r in rules_of()]
