"""PC/SC: the service, the readers, another program holding the reader, the card on it.

Nothing here waits: the reader state is read with a zero timeout, and a card is only
connected to when the reader reports one and nobody holds it exclusively. A My Number
Card is identified by selecting its JPKI application only (kiosk.cardio.identify); no
PIN is ever verified. The connection is closed (card powered down) at once.
"""

from __future__ import annotations

import sys

from kiosk.diagnostics.base import CheckResult, Environment, not_checked

VIRTUAL_MARK = "Virtual PCD"

if sys.platform == "win32":
    SERVICE_HINT = (
        "スマートカードサービスを自動起動にして開始: sc config SCardSvr start= auto && sc start SCardSvr"
        "（最後のリーダーを抜くと停止します。リーダーを挿し直してください） / set the Smart Card service "
        "to automatic and start it (it stops when the last reader is unplugged: plug the reader in)"
    )
else:
    SERVICE_HINT = (
        "pcscd を起動: sudo systemctl enable --now pcscd.socket（systemd のない環境: sudo pcscd --foreground）"
        " / start pcscd: sudo systemctl enable --now pcscd.socket (no systemd: sudo pcscd --foreground)"
    )
READER_HINT = (
    "ISO 14443 A/B 両対応の PC/SC リーダーを接続し、設定 reader.name を確認 / plug in a PC/SC reader "
    "(ISO 14443 type A and B) and check reader.name in the configuration"
)
HOLDER_HINT = (
    "そのプログラムを終了（例: gpg の scdaemon は gpgconf --kill scdaemon） / close that program "
    "(e.g. gpgconf --kill scdaemon); the kiosk falls back to shared access meanwhile"
)
CARD_HINT = (
    "マイナンバーカードかブレカカードをリーダーに置いて再実行 / put a My Number Card or a Breka card "
    "on the reader and run doctor again"
)
# PC/SC cannot tell which RF types a reader polls; only a type B card read proves type B.
NO_CARD_HINT = CARD_HINT + (
    "。マイナンバーカードを置いても「カードなし」なら、そのリーダーはタイプB（ISO 14443 B）を読めません"
    " / if a My Number Card lies on a contactless reader and doctor still says 'no card', the reader does "
    "not poll ISO 14443 type B"
)
TYPE_B_UNPROVEN = (
    "タイプBは未確認: マイナンバーカードを置いて再実行 / type B not proven yet: run again with a My Number Card"
)
NAMES = ("pcsc_service", "readers", "reader_access", "card")
TIMEOUT_HINT = (
    "PC/SC サービスが応答しません。再起動: sudo systemctl restart pcscd（Windows: sc stop/start SCardSvr）"
    " / the PC/SC service hangs: restart it (sudo systemctl restart pcscd; Windows: restart SCardSvr)"
)


def budget_s(env: Environment) -> float:
    return 20.0


def run(env: Environment) -> list[CheckResult]:
    try:
        from kiosk.pcsc.context import PcscContext
    except ImportError as exc:  # pyscard or libpcsclite missing
        first = CheckResult(
            "pcsc_service",
            False,
            f"PC/SC ライブラリがありません / PC/SC library missing: {exc}",
            "pyscard と libpcsclite1 を入れる / install pyscard and libpcsclite1",
        )
        return [first] + [not_checked(n, "PC/SC", SERVICE_HINT) for n in NAMES[1:]]
    from kiosk.cardio.errors import CardError, ServiceUnavailable

    ctx = PcscContext()
    try:
        try:
            readers = ctx.list_readers()
        except ServiceUnavailable as exc:
            first = CheckResult(
                "pcsc_service",
                False,
                f"PC/SC サービスに接続できません / PC/SC service not available: {exc}",
                SERVICE_HINT,
            )
            return [first] + [not_checked(n, "PC/SC service not available", SERVICE_HINT) for n in NAMES[1:]]
        except CardError as exc:
            first = CheckResult("pcsc_service", False, f"PC/SC エラー / PC/SC error: {exc}", SERVICE_HINT)
            return [first] + [not_checked(n, "PC/SC error", SERVICE_HINT) for n in NAMES[1:]]
        results = [CheckResult("pcsc_service", True, "PC/SC サービス稼働中 / PC/SC service is running")]
        reader, result = _readers(readers, env.cfg.get("reader", "name"))
        results.append(result)
        if reader is None:
            return results + [not_checked(n, "no reader", READER_HINT) for n in NAMES[2:]]
        state, result = _access(ctx, reader)
        results.append(result)
        if state is None or state.exclusive or state.in_use:
            # Never talk to a card another program (perhaps the kiosk itself) is in the middle of using.
            return results + [not_checked("card", "reader in use by another program", HOLDER_HINT)]
        results.append(_card(ctx, reader, state.present))
        return results
    finally:
        ctx.release()


def describe(name: str) -> str:
    return f"{name} (仮想 / virtual)" if VIRTUAL_MARK in name else name


def _readers(readers: list[str], wanted: str):
    if not readers:
        return None, CheckResult("readers", False, "リーダーがありません / no reader connected", READER_HINT)
    listed = ", ".join(describe(r) for r in readers)
    chosen = next((r for r in readers if wanted in r), None)
    if chosen is None:
        return None, CheckResult(
            "readers",
            False,
            f"reader.name {wanted!r} に合うリーダーなし / no reader matches reader.name {wanted!r} (readers: {listed})",
            READER_HINT,
        )
    if VIRTUAL_MARK in chosen and VIRTUAL_MARK not in wanted:
        return chosen, CheckResult(
            "readers",
            False,
            f"仮想リーダーが選ばれています / the virtual reader {chosen!r} would be used (readers: {listed})",
            "実機リーダーを接続するか reader.name に実機名を設定（vsmartcard-vpcd は"
            "窓口PCに不要） / plug in the real reader or set reader.name to it (remove vsmartcard-vpcd)",
        )
    return chosen, CheckResult(
        "readers", True, f"使用: {describe(chosen)} / using {describe(chosen)} (readers: {listed})"
    )


def _access(ctx, reader: str):
    from kiosk.cardio.errors import CardError
    from kiosk.pcsc.context import probable_holders

    try:
        states = ctx.get_status_change({reader: 0}, 0) or []
    except CardError as exc:
        return None, CheckResult(
            "reader_access", False, f"状態を読めません / cannot read the reader state: {exc}", READER_HINT
        )
    state = next((s for s in states if s.reader == reader), None)
    if state is None or state.event_count < 0:
        return None, CheckResult(
            "reader_access", False, f"{reader!r} の状態不明 / state of {reader!r} unknown", READER_HINT
        )
    if state.exclusive or state.in_use:
        holders = probable_holders()
        who = ", ".join(holders) if holders else "不明 / unknown program"
        how = "排他的に / exclusively" if state.exclusive else "共有で / shared"
        return state, CheckResult(
            "reader_access",
            False,
            f"他のプログラムが使用中 {how}: {who} / another "
            f"program holds {reader!r} ({'exclusive' if state.exclusive else 'shared'}): {who}",
            HOLDER_HINT,
        )
    return state, CheckResult("reader_access", True, "他のプログラムは使用していません / no other program holds it")


def _card(ctx, reader: str, present: bool) -> CheckResult:
    from kiosk.cardio.atr import describe_interface, is_contactless
    from kiosk.cardio.errors import CardError, NoCard, SharingViolation
    from kiosk.cardio.identify import CardKind, identify

    if not present:
        return CheckResult("card", True, "カードなし / no card on the reader", NO_CARD_HINT)
    try:
        conn = ctx.connect(reader)
    except NoCard:
        return CheckResult("card", True, "カードなし / no card on the reader", NO_CARD_HINT)
    except SharingViolation as exc:
        return CheckResult("card", False, f"他のプログラムが使用中 / {exc}", HOLDER_HINT)
    except CardError as exc:
        return CheckResult(
            "card",
            False,
            f"カードに接続できません / cannot connect to the card: {exc}",
            "カードを置き直す / put the card on the reader again",
        )
    interface = describe_interface(conn.atr, conn.protocol_name)
    try:
        ident = identify(conn)
    except CardError as exc:
        return CheckResult(
            "card",
            False,
            f"カードが応答しません / the card did not answer: {exc} ({interface})",
            "カードを置き直す（読取中に離さない） / put the card back and leave it until done",
        )
    finally:
        conn.close()
    atr = ident.atr.hex(" ").upper()
    if ident.kind is CardKind.MYNUMBER:
        return CheckResult(
            "card", True, f"マイナンバーカード / My Number Card (JPKI {ident.token}; {interface}; ATR {atr})"
        )
    if ident.kind is CardKind.BREKA:
        hint = TYPE_B_UNPROVEN if is_contactless(ident.atr) else ""
        return CheckResult("card", True, f"ブレカカード / Breka card ({interface}; ATR {atr})", hint)
    return CheckResult(
        "card",
        False,
        f"対応していないカード / not a My Number Card nor a Breka card ({interface}; ATR {atr})",
        CARD_HINT,
    )
