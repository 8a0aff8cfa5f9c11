"""Known vulnerabilities of the installed packages through PyPI's project JSON API, for a machine that
reaches PyPI's index but not its per-release API (where ``pip-audit`` cannot check anything).

PyPI's project document (``https://pypi.org/pypi/<name>/json``) lists the known vulnerabilities
(from the OSV database) of the project's newest release only. So a package is *checked* here when
the installed version is that newest release: it passes when PyPI lists no vulnerability for it.
A package behind its newest release cannot be checked this way and is listed as such, with the
newest version, to be judged by hand (a long-term-support series kept on purpose, a pin of a test
tool) or upgraded; ``--allow NAME`` accepts one such package by name (say why in the Makefile).

    .venv/bin/python scripts/audit_latest.py                 # exit 1 on a vulnerability or an
                                                             # unchecked package not allowed
    .venv/bin/python scripts/audit_latest.py --allow django

The authoritative check remains ``make audit`` (pip-audit, per installed version) where the
per-release API is reachable.
"""

import argparse
import json
import platform
import sys
import urllib.error
import urllib.request
from importlib import metadata

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

INDEX = "https://pypi.org/pypi/{name}/json"


def newest(name: str) -> tuple[str, list[dict], str | None]:
    """The project's newest release, the vulnerabilities PyPI lists for it, and the newest release
    this Python can install (None when that is the newest one)."""
    with urllib.request.urlopen(INDEX.format(name=name), timeout=60) as response:
        data = json.load(response)
    latest = data["info"]["version"]
    return latest, data.get("vulnerabilities") or [], _newest_for_this_python(data, latest)


def _newest_for_this_python(data: dict, latest: str) -> str | None:
    python = Version(platform.python_version())
    usable = []
    for version, files in data.get("releases", {}).items():
        try:
            parsed = Version(version)
        except InvalidVersion:
            continue
        if parsed.is_prerelease or not files or all(f.get("yanked") for f in files):
            continue
        wanted = {f.get("requires_python") or "" for f in files}
        if any(_admits(spec, python) for spec in wanted):
            usable.append(parsed)
    best = max(usable, default=None)
    return None if best is None or best == Version(latest) else str(best)


def _admits(spec: str, python: Version) -> bool:
    try:
        return python in SpecifierSet(spec)
    except InvalidSpecifier:  # malformed metadata of old releases ('>=3.6.*'): not decisive
        return True


def installed() -> dict[str, str]:
    """name -> version of every installed distribution except editable (local) ones."""
    found, editable = {}, set()
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        direct = dist.read_text("direct_url.json")
        if direct and json.loads(direct).get("dir_info", {}).get("editable"):
            editable.add(name)  # its build metadata (src/*.egg-info) may be found as well
        found[name] = dist.version
    return {name: found[name] for name in sorted(found) if name not in editable}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--allow", action="append", default=[], help="a package that may stay behind"
    )
    args = parser.parse_args()
    allowed = {canonicalize_name(name) for name in args.allow}
    vulnerable, behind, failed = [], [], []
    packages = installed()
    for name, version in packages.items():
        try:
            latest, vulnerabilities, for_this_python = newest(name)
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            failed.append(f"{name} {version}: {exc}")
            continue
        if Version(version) != Version(latest):
            note = f"newest {latest}"
            if for_this_python:
                note += f"; newest for Python {platform.python_version()}: {for_this_python}"
            behind.append((name, version, note))
        elif vulnerabilities:
            ids = ", ".join(v.get("id", "?") for v in vulnerabilities)
            vulnerable.append(f"{name} {version}: {ids}")
    checked = len(packages) - len(behind) - len(failed)
    print(f"{len(packages)} packages: {checked} at their newest release, checked")
    for line in vulnerable:
        print(f"  VULNERABLE {line}")
    for name, version, note in behind:
        mark = "allowed" if name in allowed else "NOT CHECKED"
        print(f"  {mark}: {name} {version} ({note})")
    for line in failed:
        print(f"  FAILED {line}")
    unchecked = [name for name, _v, _l in behind if name not in allowed]
    if vulnerable or unchecked or failed:
        return 1
    print("no known vulnerability in the checked packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
