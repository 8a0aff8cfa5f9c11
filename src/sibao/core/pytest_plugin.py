"""Requirement tracing for the test suite.

- ``@pytest.mark.req("WL-04")`` marks a test as proof of a requirement (several IDs allowed).
- ``pytest --req WL`` runs only tests of IDs starting with ``WL``.
- ``pytest --reqs-report var/reqs.json`` writes, for every ID of the requirements catalogue, the
  tests marked with it and their outcomes, and prints a table at the end of the run.

The catalogue is ``SIBAO_REQUIREMENTS`` if set, else ``../shared/spec/requirements.md`` beside the
repository, else ``docs/requirements.md``.
"""

import json
import os
import re
from pathlib import Path

import pytest

ID_PATTERN = re.compile(r"^\|\s*([A-Z]{2,5}-\d{2})\s*\|\s*(P\d)\s*\|\s*(.+?)\s*\|", re.M)


def pytest_addoption(parser):
    group = parser.getgroup("sibao")
    group.addoption(
        "--req",
        action="append",
        default=[],
        metavar="PREFIX",
        help="run only tests marked with a requirement ID starting with PREFIX",
    )
    group.addoption(
        "--reqs-report",
        default=None,
        metavar="PATH",
        help="write requirement coverage (JSON) to PATH and print a table",
    )
    group.addoption(
        "--reqs-of-run",
        action="store_true",
        help="with --reqs-report: only the requirement IDs this run has tests for (a partial run)",
    )


def _ids(item) -> list[str]:
    return [arg for mark in item.iter_markers("req") for arg in mark.args]


def pytest_collection_modifyitems(config, items):
    for item in items:
        for req_id in _ids(item):
            if not re.fullmatch(r"[A-Z]{2,5}-\d{2}", req_id):
                raise pytest.UsageError(f"{item.nodeid}: malformed requirement ID {req_id!r}")
    prefixes = config.getoption("--req")
    if not prefixes:
        return
    keep, drop = [], []
    for item in items:
        matches = any(i.startswith(p) for i in _ids(item) for p in prefixes)
        (keep if matches else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


def catalogue_path(rootdir: Path) -> Path | None:
    candidates = [
        os.environ.get("SIBAO_REQUIREMENTS"),
        rootdir.parent / "shared/spec/requirements.md",
        rootdir / "docs/requirements.md",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def read_catalogue(path: Path | None) -> dict[str, dict]:
    if path is None:
        return {}
    text = path.read_text(encoding="utf-8")
    return {
        m.group(1): {"priority": m.group(2), "text": m.group(3)} for m in ID_PATTERN.finditer(text)
    }


class ReqRecorder:
    def __init__(self, config):
        self.config = config
        self.outcomes: dict[str, str] = {}
        self.ids: dict[str, list[str]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        ids = _ids(item)
        if not ids:
            return
        self.ids[item.nodeid] = ids
        previous = self.outcomes.get(item.nodeid)
        if report.failed:
            self.outcomes[item.nodeid] = "failed"
        elif report.skipped and previous != "failed":
            self.outcomes[item.nodeid] = "skipped"
        elif report.when == "call" and report.passed and previous is None:
            self.outcomes[item.nodeid] = "passed"

    def summary(self) -> dict:
        rootdir = Path(str(self.config.rootpath))
        catalogue = read_catalogue(catalogue_path(rootdir))
        by_id: dict[str, list[dict]] = {req_id: [] for req_id in catalogue}
        for nodeid, ids in self.ids.items():
            for req_id in ids:
                by_id.setdefault(req_id, []).append(
                    {"test": nodeid, "outcome": self.outcomes.get(nodeid, "not run")}
                )
        result = {}
        for req_id in sorted(by_id):
            tests = by_id[req_id]
            passed = sum(t["outcome"] == "passed" for t in tests)
            failed = sum(t["outcome"] == "failed" for t in tests)
            status = (
                "untested"
                if not tests
                else "failing"
                if failed
                else "passing"
                if passed
                else "not run"
            )
            result[req_id] = {
                **catalogue.get(req_id, {"priority": "?", "text": "(not in catalogue)"}),
                "status": status,
                "passed": passed,
                "failed": failed,
                "tests": tests,
            }
        return result

    def pytest_terminal_summary(self, terminalreporter):
        path = self.config.getoption("--reqs-report")
        data = self.summary()
        if self.config.getoption("--reqs-of-run"):
            data = {req_id: row for req_id, row in data.items() if row["tests"]}
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        terminalreporter.section("requirements")
        for req_id, row in data.items():
            terminalreporter.write_line(
                f"{req_id:8} {row['priority']:3} {row['status']:9} "
                f"{row['passed']:3} passed {row['failed']:3} failed  {row['text'][:60]}"
            )
        counts = {}
        for row in data.values():
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        terminalreporter.write_line(
            "requirements: "
            + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            + f" (report: {path})"
        )


def pytest_configure(config):
    config.addinivalue_line("markers", "req(id): requirement ID this test proves")
    if config.getoption("--reqs-report"):
        config.pluginmanager.register(ReqRecorder(config), "sibao-reqs")
