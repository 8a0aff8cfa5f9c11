"""DEM-04: Chinese text similarity of demands ("点办理、批处理").

Text → tokens: jieba words (stop words and single characters dropped) plus character 1- and
2-grams of every run of Chinese characters (marked ``#``), so that different wordings of one
problem still share features (原材料 / 原料 share 原, 料; 钢材 is a word and a bigram). Single
characters help short texts that share few whole words; the IDF weighting keeps the common ones
cheap. Tokens → TF-IDF vectors (scikit-learn ``TfidfVectorizer`` over the precomputed tokens,
sublinear tf, l2-normalised) → cosine similarity.

Two uses:

- ``similar_open_demands``: while an enterprise types, the open demands of the same city
  (region prefix of 4) whose similarity reaches ``demand_similarity_threshold``; a candidate of
  the same category gets ``CATEGORY_BOOST`` (the category is strong evidence of the same problem).
  The vectoriser is fitted on the candidates plus the query, a few thousand short texts at most:
  the tokens of each text are cached (``Demand.terms`` when filled, else an in-process cache).
- ``cluster``: groups of similar demands (``actions.common.run_clustering``): per category, the
  connected components of the pairs whose cosine reaches the threshold; ``hotness`` scores a
  group (formula there); the label is its top TF-IDF words.
"""

import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CATEGORY_BOOST",
    "STOP_WORDS",
    "Group",
    "cluster",
    "hotness",
    "similar_open_demands",
    "terms_of",
    "tokens",
]

# words that say nothing about which problem a demand is about
STOP_WORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 有 为 对 把 被 将 等 也 都 又 就 但 而 并 从 向 给 让 能 会 要 请 已 还
    我们 我司 本公司 公司 企业 单位 问题 希望 请求 恳请 需要 目前 现在 近期 最近 今年 一些 一个
    帮助 帮忙 协调 解决 反映 情况 相关 有关 进行 存在 没有 无法 不能 导致 造成 影响 方面 工作
    政府 部门 领导 感谢 谢谢
    """.split()
)
# the score bonus of a candidate in the same category as the query (capped at 1)
CATEGORY_BOOST = 0.1

_RUNS = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_jieba = None


def _segmenter():
    """jieba, loaded on first use (its dictionary takes a second) and told to keep quiet."""
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


def _words(text: str) -> list[str]:
    found = []
    for word in _segmenter().lcut(text):
        word = word.strip().lower()
        if not word or not _RUNS.fullmatch(word) or word in STOP_WORDS:
            continue
        if len(word) == 1 and _CJK.match(word):
            continue  # single characters are in the n-grams below
        found.append(word)
    return found


def _grams(text: str) -> list[str]:
    found = []
    for run in _RUNS.findall(text):
        if not _CJK.match(run):
            continue
        found += [f"#{c}" for c in run if c not in STOP_WORDS]
        found += [
            f"#{run[i : i + 2]}" for i in range(len(run) - 1) if run[i : i + 2] not in STOP_WORDS
        ]
    return found


@lru_cache(maxsize=20_000)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_words(text) + _grams(text))


def tokens(text: str) -> list[str]:
    """The features of ``text``: words, then ``#``-marked character 1- and 2-grams."""
    return list(_tokens((text or "").strip()))


def terms_of(title: str, description: str) -> str:
    """What ``Demand.terms`` holds: the tokens of title and description, space-separated."""
    return " ".join(tokens(f"{title} {description}"))


def demand_tokens(demand) -> list[str]:
    if demand.terms:
        return demand.terms.split()
    return tokens(f"{demand.title} {demand.description}")


def _vectors(token_lists):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2")
    matrix = vectorizer.fit_transform(token_lists)
    return vectorizer, matrix


def _identity(tokens_):
    return tokens_


def _threshold() -> float:
    from sibao.core import rules

    return float(rules.current()["demand_similarity_threshold"])


def similar_open_demands(
    text: str, *, region_code: str, category=None, exclude_id=None, limit: int = 5
) -> list[tuple]:
    """DEM-04: the open demands of ``region_code``'s city most similar to ``text``, best first,
    as ``(demand, score)`` with score ≥ ``demand_similarity_threshold``."""
    from sibao.workorders.models import Demand
    from sibao.workorders.models.demands import OPEN_STATUSES

    query = tokens(text)
    if not query or len(region_code or "") < 4:
        return []
    candidates = list(
        Demand.objects.filter(status__in=OPEN_STATUSES, region_code__startswith=region_code[:4])
        .exclude(pk=exclude_id)
        .select_related("enterprise")
        .only(*_CANDIDATE_FIELDS)
    )
    if not candidates:
        return []
    _, matrix = _vectors([demand_tokens(d) for d in candidates] + [query])
    scores = (matrix[:-1] @ matrix[-1].T).toarray().ravel()
    threshold = _threshold()
    found = []
    for demand, score in zip(candidates, scores, strict=True):
        if score <= 0:
            continue
        if category and demand.category == category:
            score = min(1.0, score + CATEGORY_BOOST)
        if score >= threshold:
            found.append((demand, round(float(score), 3)))
    found.sort(key=lambda pair: (-pair[1], -pair[0].pk))
    return found[:limit]


_CANDIDATE_FIELDS = (
    "id",
    "number",
    "title",
    "description",
    "terms",
    "category",
    "status",
    "region_code",
    "submitted_at",
    "enterprise__id",
    "enterprise__name",
    "enterprise__region_id",
)


# --- clustering ---


@dataclass
class Group:
    """Demands found similar enough to be one problem, with their score and name."""

    demands: list
    label: str
    hotness: float
    unit_count: int


def hotness(demands, *, now, half_life_days: float) -> float:
    """Hotness = distinct units × Σ over the demands of 2^(−age in days / half-life).

    Each demand counts 1 when fresh and half as much every half-life; the sum is multiplied by
    the number of distinct units, because one problem shared by many units weighs more than one
    unit's repeated reports. Five fresh demands of five units score 25; the same five from one
    unit score 5."""
    units = {d.enterprise_id for d in demands}
    weight = sum(
        math.pow(2, -max((now - d.submitted_at).total_seconds(), 0) / 86400 / half_life_days)
        for d in demands
    )
    return round(len(units) * weight, 3)


def _label(matrix, rows, features, top: int = 4) -> str:
    centroid = matrix[rows].mean(axis=0).A1
    order = centroid.argsort()[::-1]
    words = [features[i] for i in order if centroid[i] > 0 and not features[i].startswith("#")]
    return "、".join(words[:top])


def cluster(
    demands, *, threshold: float, min_size: int, now, half_life_days: float
) -> list[tuple[str, Group]]:
    """Groups of at least ``min_size`` similar demands of one category among ``demands`` (one
    city's window), as ``(category, group)``, hottest first.

    The IDF weights are fitted on all of the city's demands, every category — a better estimate
    of how telling a word is than the few demands of one category. Within each category: the
    connected components of the graph linking demands whose cosine reaches ``threshold`` (single
    linkage: paraphrases of one problem are each close to some others, rarely to all; average
    linkage split them at the platform threshold). Demands that join no component of
    ``min_size`` are noise."""
    demands = [d for d in demands if demand_tokens(d)]
    if len(demands) < max(min_size, 2):
        return []
    vectorizer, matrix = _vectors([demand_tokens(d) for d in demands])
    features = vectorizer.get_feature_names_out()
    by_category: dict[str, list[int]] = {}
    for row, demand in enumerate(demands):
        by_category.setdefault(demand.category, []).append(row)
    found = []
    for category, rows in sorted(by_category.items()):
        for members in _components(matrix[rows], threshold):
            if len(members) < min_size:
                continue
            chosen_rows = [rows[i] for i in members]
            chosen = [demands[i] for i in chosen_rows]
            group = Group(
                demands=chosen,
                label=_label(matrix, chosen_rows, features),
                hotness=hotness(chosen, now=now, half_life_days=half_life_days),
                unit_count=len({d.enterprise_id for d in chosen}),
            )
            found.append((category, group))
    found.sort(key=lambda pair: -pair[1].hotness)
    return found


def _components(matrix, threshold: float) -> list[list[int]]:
    """Connected components of the graph linking two demands whose cosine ≥ ``threshold``."""
    from scipy.sparse.csgraph import connected_components

    similar = (matrix @ matrix.T) >= threshold
    _count, labels = connected_components(similar, directed=False)
    members: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        members.setdefault(int(label), []).append(row)
    return list(members.values())
