"""The check result, the shared environment of one doctor run, and the runner."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# The modules in the order their checks are printed; each has `run(env) -> list[CheckResult]`.
MODULES = (
    "kiosk.diagnostics.pcsc_checks",
    "kiosk.diagnostics.cloud_checks",
    "kiosk.diagnostics.keyring_checks",
    "kiosk.diagnostics.store_checks",
    "kiosk.diagnostics.font_check",
    "kiosk.diagnostics.qt_checks",
)
DEFAULT_BUDGET_S = 15.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    hint: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def not_checked(name: str, why: str, hint: str) -> CheckResult:
    return CheckResult(name, False, f"未確認 / not checked: {why}", hint)


@dataclass
class Environment:
    """What the checks share: the configuration and anything one check learns for another."""

    cfg: Any
    facts: dict[str, Any] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)


def run_all(env: Environment, modules: tuple[str, ...] = MODULES) -> list[CheckResult]:
    """Each module in a worker thread with a time budget: a hung pcscd, a keyring waiting
    for an unlock prompt or a stuck disk yields "timed out" lines instead of a hung doctor."""
    results: list[CheckResult] = []
    for name in modules:
        module = importlib.import_module(name)
        budget = module.budget_s(env) if hasattr(module, "budget_s") else DEFAULT_BUDGET_S
        started = time.monotonic()
        results.extend(_bounded(module, env, budget))
        env.timings_ms[name] = (time.monotonic() - started) * 1000
    return results


def _bounded(module, env: Environment, budget: float) -> list[CheckResult]:
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["results"] = module.run(env)
        except Exception as exc:  # a broken check must not hide the others
            log.exception("doctor check module %s failed", module.__name__)
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"doctor-{module.__name__}", daemon=True)
    worker.start()
    worker.join(budget)
    names = getattr(module, "NAMES", (module.__name__.rsplit(".", 1)[-1],))
    hint = getattr(module, "TIMEOUT_HINT", "ログを技術者に送ってください / send the log to the technician")
    if worker.is_alive():
        return [
            CheckResult(n, False, f"{budget:.0f} 秒で終わらず / timed out after {budget:.0f} s", hint) for n in names
        ]
    if "error" in box:
        exc = box["error"]
        return [
            CheckResult(n, False, f"検査自体が失敗 / the check itself failed: {type(exc).__name__}: {exc}", hint)
            for n in names
        ]
    return box["results"]
