"""The OS keyring: a usable backend, and every required secret present and well-formed."""

from __future__ import annotations

from kiosk.diagnostics.base import CheckResult, Environment, not_checked

KEYRING_HINT = (
    "Linux: gnome-keyring（Secret Service）を有効にしてログイン時に解錠 / enable gnome-keyring (Secret "
    "Service) and unlock it at login; Windows: 資格情報マネージャー / Credential Manager"
)
NAMES = ("keyring", "secrets")
TIMEOUT_HINT = (
    "キーリングが応答しません（ロック解除の画面待ち？） / the keyring does not answer (waiting for an "
    "unlock prompt?): " + KEYRING_HINT
)


def budget_s(env: Environment) -> float:
    return 10.0


def run(env: Environment) -> list[CheckResult]:
    import keyring
    import keyring.errors

    from kiosk.secret_specs import SPECS
    from kiosk.secrets import SecretError, backend_name, get_secret

    name = backend_name()
    backend = keyring.get_keyring()
    if type(backend).__module__.startswith("keyring.backends.fail") or (
        type(backend).__name__ == "ChainerBackend" and not getattr(backend, "backends", [])
    ):
        first = CheckResult(
            "keyring", False, f"使えるキーリングがありません / no usable keyring backend ({name})", KEYRING_HINT
        )
        return [first, not_checked("secrets", "no keyring", KEYRING_HINT)]
    missing, malformed, present = [], [], []
    for spec in SPECS.values():
        try:
            value = get_secret(spec.secret)
        except SecretError as exc:
            if "not usable" in str(exc):
                first = CheckResult("keyring", False, f"キーリングが使えません / {exc}", KEYRING_HINT)
                return [first, not_checked("secrets", "keyring not usable", KEYRING_HINT)]
            malformed.append(spec.secret.value)
            continue
        except keyring.errors.KeyringError as exc:
            first = CheckResult(
                "keyring", False, f"キーリングが使えません / keyring {name} failed: {exc}", KEYRING_HINT
            )
            return [first, not_checked("secrets", "keyring not usable", KEYRING_HINT)]
        if value is None:
            if spec.required:
                missing.append(spec.secret.value)
        elif not spec.length_ok(value):
            malformed.append(spec.secret.value)
        else:
            present.append(spec.secret.value)
    results = [CheckResult("keyring", True, f"キーリング / keyring backend: {name}")]
    if missing or malformed:
        parts = ([f"なし / missing: {', '.join(missing)}"] if missing else []) + (
            [f"形式不正 / malformed: {', '.join(malformed)}"] if malformed else []
        )
        name_first = (missing + malformed)[0]
        results.append(
            CheckResult(
                "secrets",
                False,
                "; ".join(parts),
                f"kiosk secrets status で確認し kiosk secrets set|generate {name_first} / check with "
                f"`kiosk secrets status`, then `kiosk secrets set|generate {name_first}`",
            )
        )
    else:
        results.append(
            CheckResult("secrets", True, f"必要な鍵はすべてあり / all required secrets present ({', '.join(present)})")
        )
    return results
