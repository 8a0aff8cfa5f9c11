"""Helpers shared by the monitoring tests: the board's figures and the counts of the lists they
link to."""

from urllib.parse import urlsplit


def board(client, region: str | None = None):
    """The board page for ``region`` (the user's broadest region when None): the response.

    The board caches its figures per region and scope for up to a minute; ``refresh=1`` (its
    刷新 button) recomputes them, so that a test always compares figures with the data it made."""
    response = client.get("/dashboard/", {"refresh": "1", **({"region": region} if region else {})})
    assert response.status_code == 200, response.status_code
    return response


def figures(response) -> dict:
    """``{"<panel key>.<figure key>": Figure}`` of a board response (panel figures and table rows;
    a row's figures are keyed ``<panel>.<row label>.<figure key>``)."""
    found = {}
    for panel in response.context["panels"]:
        for figure in panel.figures:
            found[f"{panel.key}.{figure.key}"] = figure
        for label, row in panel.rows:
            for figure in row:
                found[f"{panel.key}.{label}.{figure.key}"] = figure
    return found


def list_count(client, url: str) -> int:
    """How many rows the list page at ``url`` shows in all (its paginator's count)."""
    parts = urlsplit(url)
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200, (url, response.status_code)
    context = response.context
    page = context.get("page_obj")
    if page is not None:
        return page.paginator.count
    paginator = context.get("paginator")
    if paginator is not None:
        return paginator.count
    rows = context.get("object_list")
    assert rows is not None, f"{url} shows no list"
    return len(rows)


def assert_figures_match_lists(client, response, keys=None) -> int:
    """Every linked figure of ``response`` (or those of ``keys``) equals the count of its list;
    returns how many figures were compared (so a test can check it compared some)."""
    compared = 0
    wrong = []
    for key, figure in figures(response).items():
        if keys is not None and key not in keys:
            continue
        if not figure.url or figure.value is None:
            continue
        count = list_count(client, figure.url)
        compared += 1
        if count != figure.value:
            wrong.append(f"{key}: board {figure.value}, list {count} ({figure.url})")
    assert not wrong, "\n".join(wrong)
    return compared
