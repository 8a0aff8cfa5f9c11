"""``scripts/audit_latest.py`` (issue 11, item 9) without the network: which packages it checks,
which it lists as behind, and its exit status. PyPI's answers are canned. No requirement ID covers
the dependency audit, so no ``req`` mark."""

import importlib.util
import platform
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "audit_latest.py"


@pytest.fixture
def audit():
    spec = importlib.util.spec_from_file_location("audit_latest", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project(latest, releases):
    """PyPI's project document: ``releases`` maps version -> requires_python."""
    return {
        "info": {"version": latest},
        "releases": {v: [{"requires_python": rp, "yanked": False}] for v, rp in releases.items()},
    }


def test_the_newest_release_this_python_can_install(audit):
    here = platform.python_version()
    data = project("3.0", {"1.0": "", "2.0": f">={here}", "3.0": ">=99", "2.1rc1": ""})
    assert audit._newest_for_this_python(data, "3.0") == "2.0"
    assert audit._newest_for_this_python(project("2.0", {"2.0": ""}), "2.0") is None
    malformed = project("1.0", {"0.9": ">=3.6.*", "1.0": ">=99"})  # old metadata: not decisive
    assert audit._newest_for_this_python(malformed, "1.0") == "0.9"


def run(audit, monkeypatch, capsys, installed, answers, *allow):
    monkeypatch.setattr(audit, "installed", lambda: installed)
    monkeypatch.setattr(audit, "newest", lambda name: answers[name])
    monkeypatch.setattr("sys.argv", ["audit_latest.py", *[f"--allow={a}" for a in allow]])
    return audit.main(), capsys.readouterr().out


def test_packages_at_their_newest_release_without_vulnerabilities_pass(audit, monkeypatch, capsys):
    status, out = run(audit, monkeypatch, capsys, {"a": "1.0"}, {"a": ("1.0", [], None)})
    assert status == 0 and "no known vulnerability" in out


def test_a_listed_vulnerability_fails(audit, monkeypatch, capsys):
    answers = {"a": ("1.0", [{"id": "PYSEC-0000-1"}], None)}
    status, out = run(audit, monkeypatch, capsys, {"a": "1.0"}, answers)
    assert status == 1 and "VULNERABLE a 1.0: PYSEC-0000-1" in out


def test_a_package_behind_fails_unless_allowed(audit, monkeypatch, capsys):
    answers = {"a": ("2.0", [], "1.5")}
    status, out = run(audit, monkeypatch, capsys, {"a": "1.0"}, answers)
    assert status == 1 and "NOT CHECKED: a 1.0 (newest 2.0" in out and "1.5" in out
    status, out = run(audit, monkeypatch, capsys, {"a": "1.0"}, answers, "a")
    assert status == 0 and "allowed: a 1.0" in out
