"""What each keyring secret must look like and how a technician provisions it.

Shared by `kiosk secrets` (provisioning) and `kiosk doctor` (the secrets check), so the
two cannot disagree on which secrets are required or how long they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.secrets import Secret


@dataclass(frozen=True)
class SecretSpec:
    secret: Secret
    required: bool
    lengths: tuple[int, ...]  # accepted byte lengths
    source: str  # "set": typed in by the technician; "generate": made on the kiosk
    ja: str
    en: str

    def length_ok(self, value: bytes) -> bool:
        return len(value) in self.lengths


SPECS: dict[Secret, SecretSpec] = {
    s.secret: s
    for s in (
        SecretSpec(
            Secret.BREKA_LOAD_MASTER, True, (16,), "set", "ブレカK1マスター鍵（入金用）", "Breka K1 master (load key)"
        ),
        SecretSpec(
            Secret.BREKA_READ_MASTER,
            False,
            (16,),
            "set",
            "ブレカK3マスター鍵（読取用・任意）",
            "Breka K3 master (read key, optional)",
        ),
        SecretSpec(
            Secret.TERMINAL_SECRET,
            True,
            tuple(range(16, 129)),
            "set",
            "端末シークレット（クラウド認証）",
            "terminal secret (cloud authentication)",
        ),
        SecretSpec(
            Secret.DEVICE_KEY,
            True,
            (32,),
            "generate",
            "端末署名鍵 Ed25519（精算記録）",
            "device key, Ed25519 (settlement records)",
        ),
        SecretSpec(
            Secret.CARD_REF_KEY,
            True,
            (32,),
            "generate",
            "カード参照鍵（UIDの鍵付きハッシュ）",
            "card-ref key (keyed hash of card UIDs)",
        ),
        # Made by the first `kiosk staff-pin set`; not required until a staff PIN uses it (the
        # staff_pins doctor check says when it is missing). Replacing it voids every staff PIN.
        SecretSpec(
            Secret.STAFF_PIN_PEPPER,
            False,
            (32,),
            "generate",
            "係員暗証番号のペッパー（自動生成）",
            "staff PIN pepper (made by kiosk staff-pin set)",
        ),
    )
}


def by_name(name: str) -> SecretSpec | None:
    """The spec for a keyring name (`breka-k1-master`) or an enum name (`BREKA_LOAD_MASTER`)."""
    for spec in SPECS.values():
        if name in (spec.secret.value, spec.secret.name, spec.secret.name.lower()):
            return spec
    return None
