"""`kiosk secrets status | set NAME | generate NAME | delete NAME`: the technician's keys.

Values are read from stdin (a pipe) or a prompt without echo, never from the command line,
and never printed: `status` says present/absent and the keyring backend, `generate
device-key-ed25519` prints only the PUBLIC key (base64) for registration with the city.
Every change is appended to the audit chain (actor "technician") when the database exists.
Exit: 0 done, 1 the keyring failed (or `status` found a required secret missing), 2 bad input.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import json
import re
import secrets
import sys
from typing import Any

ACTOR = "technician"


def add_parser(sub) -> None:
    p = sub.add_parser("secrets", help="鍵の設定（技術者用） / provision the kiosk's keys (technicians)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    status = verbs.add_parser("status", help="鍵の有無とキーリング / which secrets are present, and the keyring")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    for verb, text in (
        ("set", "値を標準入力から設定 / store a value read from stdin or a hidden prompt"),
        ("generate", "端末で生成 / generate on this kiosk (device key, card-ref key)"),
        ("delete", "削除 / remove from the keyring"),
    ):
        v = verbs.add_parser(verb, help=text)
        v.add_argument(
            "name",
            metavar="NAME",
            help="breka-k1-master, breka-k3-master, terminal-secret, device-key-ed25519, card-ref-key, staff-pin-pepper",
        )
        if verb == "delete":
            v.add_argument("--yes", action="store_true", help="really delete")
        else:
            v.add_argument("--replace", action="store_true", help="overwrite a secret that is already present")
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.secrets import SecretError

    try:
        if args.verb == "status":
            return _status(args)
        return {"set": _set, "generate": _generate, "delete": _delete}[args.verb](args, _spec(args.name))
    except SecretError as exc:
        print(f"キーリングを使えません / keyring failed: {exc}", file=sys.stderr)
        return 1


def _spec(name: str):
    from kiosk.cli import UsageError
    from kiosk.secret_specs import SPECS, by_name

    spec = by_name(name)
    if spec is None:
        known = ", ".join(s.value for s in SPECS)
        raise UsageError(f"鍵の名前が違います {name!r}（{known}） / unknown secret {name!r}; known: {known}")
    return spec


def _status(args) -> int:
    from kiosk.secret_specs import SPECS
    from kiosk.secrets import backend_name, get_secret

    rows = []
    for spec in SPECS.values():
        value = get_secret(spec.secret)
        state = "absent" if value is None else ("present" if spec.length_ok(value) else "malformed")
        row: dict[str, Any] = {"name": spec.secret.value, "required": spec.required, "state": state}
        if spec.secret.value == "device-key-ed25519" and value is not None and state == "present":
            row["public_key"] = _public_b64(value)
        rows.append(row)
    bad = [r["name"] for r in rows if r["state"] == "malformed" or (r["required"] and r["state"] == "absent")]
    if args.json:
        print(json.dumps({"backend": backend_name(), "secrets": rows, "ok": not bad}))
    else:
        print(f"キーリング / keyring backend: {backend_name()}")
        labels = {"present": "あり / present", "absent": "なし / absent", "malformed": "形式不正 / malformed"}
        for row, spec in zip(rows, SPECS.values()):
            need = "必須 / required" if spec.required else "任意 / optional"
            extra = f"  public key {row['public_key']}" if "public_key" in row else ""
            print(f"  {row['name']:<20} {labels[row['state']]:<22} {need}  {spec.ja} / {spec.en}{extra}")
    return 1 if bad else 0


def _read_value(spec) -> bytes:
    from kiosk.cli import UsageError

    what = f"{spec.ja} / {spec.en}"
    if sys.stdin is not None and sys.stdin.isatty():
        text = getpass.getpass(f"{what} ({'hex' if spec.secret.value.startswith('breka') else 'hex/base64'}): ")
    else:
        text = sys.stdin.read() if sys.stdin is not None else ""
    value = _decode(text, hex_only=spec.secret.value.startswith("breka"))
    if value is None:
        form = "16進 / hex" if spec.secret.value.startswith("breka") else "16進か base64 / hex or base64"
        raise UsageError(f"{spec.secret.value}: 値が {form} ではありません / the value is not {form.split(' / ')[1]}")
    if not spec.length_ok(value):
        want = (
            "/".join(str(n) for n in spec.lengths)
            if len(spec.lengths) < 4
            else f"{spec.lengths[0]}..{spec.lengths[-1]}"
        )
        raise UsageError(
            f"{spec.secret.value}: {len(value)} バイト、必要 {want} バイト / {len(value)} bytes, {want} bytes needed"
        )
    return value


def _decode(text: str, hex_only: bool) -> bytes | None:
    compact = re.sub(r"[\s:]", "", text)
    if not compact:
        return None
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", compact):
        return bytes.fromhex(compact)
    if hex_only:
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def _refuse_overwrite(spec, replace: bool) -> None:
    from kiosk.cli import UsageError
    from kiosk.secrets import get_secret

    if not replace and get_secret(spec.secret) is not None:
        raise UsageError(
            f"{spec.secret.value} は設定済み。置き換えるなら --replace / already present; add --replace to overwrite it"
        )


def _set(args, spec) -> int:
    from kiosk.secrets import set_secret

    _refuse_overwrite(spec, args.replace)
    value = _read_value(spec)
    set_secret(spec.secret, value)
    detail = {"name": spec.secret.value, "replaced": bool(args.replace)}
    if spec.secret.value == "device-key-ed25519":
        detail["public_key"] = _public_b64(value)
    _audit(args, "secret_set", detail)
    print(f"設定しました / stored {spec.secret.value} ({len(value)} bytes)")
    return 0


def _generate(args, spec) -> int:
    from kiosk.cli import UsageError
    from kiosk.secrets import set_secret

    if spec.source != "generate":
        raise UsageError(
            f"{spec.secret.value} は生成できません（市・カード発行者から受け取る）: kiosk secrets set "
            f"{spec.secret.value} / cannot be generated here (it comes from the issuer): use `set`"
        )
    _refuse_overwrite(spec, args.replace)
    if spec.secret.value == "device-key-ed25519":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        value = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    else:
        value = secrets.token_bytes(spec.lengths[0])
    set_secret(spec.secret, value)
    detail = {"name": spec.secret.value, "replaced": bool(args.replace)}
    if spec.secret.value == "device-key-ed25519":
        detail["public_key"] = _public_b64(value)
        print(f"公開鍵（市に登録） / public key for registration with the city (base64): {detail['public_key']}")
    else:
        print(f"生成しました / generated {spec.secret.value}")
    _audit(args, "secret_generated", detail)
    return 0


def _delete(args, spec) -> int:
    from kiosk.cli import UsageError
    from kiosk.secrets import delete_secret, get_secret

    if not args.yes:
        raise UsageError(f"{spec.secret.value} を削除するには --yes / add --yes to delete {spec.secret.value}")
    present = get_secret(spec.secret) is not None
    delete_secret(spec.secret)
    _audit(args, "secret_deleted", {"name": spec.secret.value, "was_present": present})
    print(f"削除しました / deleted {spec.secret.value}" if present else f"ありません / {spec.secret.value} was absent")
    return 0


def _public_b64(device_key: bytes) -> str:
    from kiosk.sync.settlement_record import public_key_bytes

    return base64.b64encode(public_key_bytes(device_key)).decode("ascii")


def _audit(args, action: str, detail: dict) -> None:
    """Into the audit chain, when the kiosk's database exists (it is not created here)."""
    path = args.cfg.store_path
    if not path.exists():
        return
    from kiosk.store import Store
    from kiosk.store.audit import append

    with Store(path) as store:
        append(store, ACTOR, action, detail)
