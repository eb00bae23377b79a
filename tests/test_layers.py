"""What may import what (docs/architecture.md), and the packaging facts that keep the
production install apart from the demo: read from the sources, so a new import that breaks
a rule fails here before it ships."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import kiosk

ROOT = Path(__file__).resolve().parents[1]


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def offenders(package: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files(package)
        if str(path.relative_to(ROOT)) not in allowed
        for name in sorted(imports(path))
        if name.split(".")[0] in forbidden or name.startswith(forbidden)
    ]


@pytest.mark.parametrize(
    "package, forbidden",
    [
        ("kiosk", ("kiosk_demo",)),  # nothing of the product needs the demo
        ("kiosk.cardio", ("smartcard", "PySide6", "kiosk.pcsc", "kiosk.secrets", "keyring")),  # protocols only
        ("kiosk.rules", ("smartcard", "PySide6", "requests", "sqlite3")),
        ("kiosk.exchange", ("PySide6", "smartcard")),  # the engine: no Qt
        ("kiosk.sync", ("PySide6", "smartcard")),
        ("kiosk.store", ("PySide6", "smartcard")),
    ],
)
def test_layer_rules(package, forbidden):
    assert offenders(package, forbidden) == []


def test_one_module_imports_pyscard():
    users = [
        str(p.relative_to(ROOT)) for p in files("kiosk") if any(n.split(".")[0] == "smartcard" for n in imports(p))
    ]
    assert users == ["kiosk/pcsc/context.py"]


def test_no_file_points_outside_the_repository():
    """Docs and code cite only what is in the repository: no ../shared, no design.md or specs/."""
    pattern = re.compile(r"\.\./shared|(?<![\w/])design\.md|(?<![\w/])specs/[\w-]+\.md")
    texts = [*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md"), *files("kiosk"), *files("demo/kiosk_demo")]
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in texts
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


def test_the_demo_distribution_matches_the_kiosk():
    demo = tomllib.loads((ROOT / "demo" / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert demo["version"] == kiosk.__version__
    assert demo["dependencies"] == [f"kiosk[demo]=={kiosk.__version__}"]


def test_the_lock_pins_every_dependency_within_its_range():
    """requirements/kiosk.lock (scripts/lock.sh) is what installers use: each direct dependency
    is pinned there, with hashes, at a version pyproject.toml allows."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = (ROOT / "requirements" / "kiosk.lock").read_text(encoding="utf-8")
    pins = {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", lock, re.M)}
    assert "--hash=sha256:" in lock and "--find-links" not in lock
    for line in project["dependencies"]:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        name = req.name.lower()
        assert name in pins, f"{name} is not in the lock: run scripts/lock.sh"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {req.specifier}"
    assert not {"fastapi", "uvicorn", "pynacl"} & set(pins)  # demo-only
