"""`kiosk exchanges pending|cancel|settle-unprovable|recover`: the clerk's list of unfinished exchanges.

An exchange whose Breka card left during the load waits for that card (only its log can
say whether the points arrived). It stays on this list, with its age, until the card is
tapped again. A clerk may end it only with that card on the reader (its log decides:
loaded -> finished, not loaded -> cancelled), or mark the card lost (it stays open). Every
cancel needs a reason and the clerk's own PIN (hidden prompt, or one line on stdin): `--clerk`
is the clerk's staff id (`kiosk staff list`); on a kiosk still on the shared clerk PIN (no named
clerk yet) it is the clerk's name and the shared PIN is asked. A blank reason or clerk is
refused before anything else. Audited, naming the clerk.

A load whose record the card's log no longer holds (`load_outcome_unprovable`) cannot be
decided by the card: `settle-unprovable --loaded|--not-loaded` records the Breka operator's
answer (same reason, clerk and PIN rules) and finishes the exchange by it
(kiosk/exchange/unprovable.py).
"""

from __future__ import annotations

import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("exchanges", help="未完了の交換 / unfinished exchanges (clerk)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    pending = verbs.add_parser("pending", help="list unfinished exchanges with their age")
    pending.add_argument("--json", action="store_true")
    cancel = verbs.add_parser(
        "cancel", help="end one unfinished exchange (clerk PIN; one waiting for its card needs the card)"
    )
    cancel.add_argument("exchange_id")
    cancel.add_argument("--reason", required=True, help="why (kept in the audit chain)")
    cancel.add_argument("--clerk", required=True, help="the clerk's staff id (kiosk staff list)")
    cancel.add_argument(
        "--card-lost", action="store_true", help="the card is lost: note it; the exchange stays open (hold kept)"
    )
    settle = verbs.add_parser(
        "settle-unprovable",
        help="record the Breka operator's answer for a load the card can no longer prove (clerk PIN)",
    )
    settle.add_argument("exchange_id")
    answer = settle.add_mutually_exclusive_group(required=True)
    answer.add_argument("--loaded", action="store_true", help="the operator says the points reached the card")
    answer.add_argument("--not-loaded", action="store_true", help="the operator says they did not")
    settle.add_argument("--reason", required=True, help="why, e.g. the operator's reference (kept in the audit chain)")
    settle.add_argument("--clerk", required=True, help="the clerk's staff id (kiosk staff list)")
    verbs.add_parser("recover", help="finish or cancel every unfinished exchange that needs no card")
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.cli import UsageError
    from kiosk.exchange.journal import Journal
    from kiosk.store import Store

    if args.verb in ("cancel", "settle-unprovable"):  # refused before any PIN is asked or anything is opened
        if not (args.reason or "").strip():
            raise UsageError("理由を書いてください / --reason must not be empty")
        if not (args.clerk or "").strip():
            raise UsageError("係員を指定してください / --clerk must name the clerk (kiosk staff list)")
        args.reason, args.clerk = args.reason.strip(), args.clerk.strip()
    if not args.cfg.store_path.exists():
        rows = []
        if args.verb != "pending":
            raise UsageError(f"交換の記録がありません / no kiosk database at {args.cfg.store_path}")
    else:
        store = Store(args.cfg.store_path)
        journal = Journal(store)
        if args.verb == "pending":
            rows = journal.unfinished()
        else:
            return _act(args, store, journal)
    if args.json:
        print(json.dumps({"pending": [_row(r) for r in rows]}, ensure_ascii=False))
    elif not rows:
        print("未完了の交換はありません / no unfinished exchanges")
    else:
        from kiosk.exchange.recovery import ALERT_LOAD_UNPROVABLE, alerts

        unprovable = {a["exchange_id"] for a in alerts(journal, ALERT_LOAD_UNPROVABLE)}
        for r in rows:
            wait = "カード待ち / waits for its card" if r.needs_card else "自動で完了可 / recovers by itself"
            if r.exchange_id in unprovable and r.needs_card:
                wait = (
                    "カードでは確認不可: ブレカ運営者の回答を settle-unprovable で記録 / the card cannot tell: "
                    "record the Breka operator's answer with `kiosk exchanges settle-unprovable`"
                )
            print(f"{r.exchange_id}  {r.state.value:<16} {r.points or 0:>9,} pt  {_age(r.age_seconds())}  {wait}")
    return 0


def _act(args, store, journal) -> int:
    from kiosk.app import build
    from kiosk.cardio.breka_load import LoadOutcomeUnprovable
    from kiosk.cli import UsageError
    from kiosk.exchange.finish import CardNeeded
    from kiosk.exchange.recovery import recover
    from kiosk.sync.cloud_errors import CloudError

    store.close()
    parts = build(args.cfg)
    try:
        if args.verb == "recover":
            report = recover(parts.journal, parts.finisher)
            print(
                f"committed {len(report.committed)}, cancelled {len(report.cancelled)}, "
                f"waiting for a card {len(report.waiting_for_card)}, postponed {len(report.failed)}"
            )
            return 1 if report.failed else 0
        if not _clerk_pin_ok(parts.store, args.clerk):
            raise UsageError("係員の暗証番号が違います / wrong clerk PIN (or no such clerk)")
        if args.verb == "settle-unprovable":
            return _settle_unprovable(args, parts)
        try:
            if args.card_lost:
                parts.finisher.mark_card_lost(args.exchange_id, args.reason, args.clerk)
                print(f"紛失として記録しました（交換は未完了のまま） / noted as lost; {args.exchange_id} stays open")
                return 0
            outcome, _ = parts.engine.clerk_cancel(args.exchange_id, args.reason, args.clerk)
        except KeyError:
            raise UsageError(f"その交換はありません / no exchange {args.exchange_id}") from None
        except CardNeeded as exc:
            from kiosk.exchange.unprovable import is_parked_unprovable

            if is_parked_unprovable(parts.journal, exc.exchange_id):
                raise UsageError(_UNPROVABLE_HINT.format(id=exc.exchange_id)) from None
            raise UsageError(
                f"そのブレカカードをリーダーに置いてください / put that exchange's Breka card on the reader "
                f"(or --card-lost): {exc.exchange_id}"
            ) from None
        except LoadOutcomeUnprovable:
            raise UsageError(_UNPROVABLE_HINT.format(id=args.exchange_id)) from None
        except ValueError as exc:
            raise UsageError(f"取り消せません / cannot cancel: {exc}") from None
        except CloudError as exc:
            print(
                f"kiosk exchanges: クラウドに届きません。後で自動で再送します / the cloud did not answer "
                f"({exc.code}); the cancel is retried by `kiosk exchanges recover`",
                file=sys.stderr,
            )
            return 1
        if outcome == "committed":
            print(
                f"カードに積み増し済みでした。交換を完了しました / the card had the points: {args.exchange_id} finished"
            )
        else:
            print(f"取り消しました / cancelled {args.exchange_id}")
        return 0
    finally:
        parts.close()


_UNPROVABLE_HINT = (
    "カードの記録が古い分まで残っていません。ブレカの運営者に確認し、その回答を "
    "`kiosk exchanges settle-unprovable` で記録してください（それまでポイントは保留のまま） / "
    "the card's log no longer reaches back to {id}: ask the Breka operator, then record the answer with "
    "`kiosk exchanges settle-unprovable {id} --loaded|--not-loaded`; the hold stays until then"
)


def _settle_unprovable(args, parts) -> int:
    from kiosk.cli import UsageError
    from kiosk.exchange.unprovable import LOADED, NOT_LOADED, DecisionConflict, NotUnprovable, settle_unprovable
    from kiosk.sync.cloud_errors import CloudError

    answer = LOADED if args.loaded else NOT_LOADED
    try:
        done = settle_unprovable(parts.journal, parts.finisher, args.exchange_id, answer, args.reason, args.clerk)
    except KeyError:
        raise UsageError(f"その交換はありません / no exchange {args.exchange_id}") from None
    except DecisionConflict as exc:
        raise UsageError(
            f"別の回答が記録済みです（最初の回答が有効） / {exc}; the first answer stands ({exc.recorded})"
        ) from None
    except NotUnprovable as exc:
        raise UsageError(f"カードで確認できない交換ではありません / not parked as unprovable: {exc}") from None
    except CloudError as exc:
        print(
            f"kiosk exchanges: 回答は記録しました。クラウドに届かないため後で自動で再送します / the answer is recorded; "
            f"the cloud did not answer ({exc.code}): `kiosk exchanges recover` (or this command again) finishes it",
            file=sys.stderr,
        )
        return 1
    if done.already:
        print(f"記録済みです。何もしていません / already settled ({done.outcome}): nothing done for {args.exchange_id}")
    elif done.outcome == "committed":
        print(f"積み増し済みとして完了しました / recorded as loaded: {args.exchange_id} finished (points taken)")
    else:
        print(
            f"積み増しなしとして取り消しました / recorded as not loaded: {args.exchange_id} cancelled (hold released)"
        )
    return 0


def _clerk_pin_ok(store, clerk: str) -> bool:
    """The clerk's own PIN, never from argv: a hidden prompt, or one line on stdin (scripts).
    With named clerks, `clerk` must be one of them (active) and the PIN theirs; a kiosk still on
    the shared clerk PIN takes any name with the shared PIN."""
    import getpass

    from kiosk.ui.staff_accounts import StaffAccounts
    from kiosk.ui.staff_auth import StaffLocked

    accounts = StaffAccounts(store)
    choices = accounts.choices("clerk")
    if not choices:
        return False
    person = "clerk" if choices[0].shared else clerk
    if not choices[0].shared and person not in {p.staff_id for p in choices}:
        return False
    if sys.stdin is not None and sys.stdin.isatty():
        pin = getpass.getpass("係員の暗証番号 / clerk PIN: ")
    else:
        pin = (sys.stdin.readline() if sys.stdin is not None else "").strip()
    try:
        return accounts.check(person, pin, "clerk")
    except StaffLocked as exc:  # too soon after wrong PINs: not checked, not counted
        from kiosk.cli import UsageError

        raise UsageError(
            f"係員の暗証番号: {exc.seconds_left} 秒後に再入力 / clerk PIN: wait {exc.seconds_left} s, then try again"
        ) from None


def _row(r) -> dict:
    return {
        "exchange_id": r.exchange_id,
        "state": r.state.value,
        "points": r.points,
        "loaded": r.loaded,
        "created_at": r.created_at,
        "age_s": round(r.age_seconds()),
        "needs_card": r.needs_card,
        "last_error": r.last_error,
    }


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
