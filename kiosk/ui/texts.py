"""What the screens say for each problem code: one short title and ONE plain instruction.

The engine's problem codes are stable; their wording lives only here, as English source
strings translated through Qt's translation files (resources/i18n/kiosk_ja.ts).
Codes never seen here fall back to the generic "ask the staff" text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

translate = QCoreApplication.translate

# code -> (title, instruction); {tries_left}, {count} are filled from the problem's params.
# QT_TRANSLATE_NOOP returns its text unchanged, typed `object` by PySide6: str() before translate().
PROBLEMS: dict[str, tuple[object, object]] = {
    "no_card": (
        QT_TRANSLATE_NOOP("kiosk", "No card found"),
        QT_TRANSLATE_NOOP("kiosk", "Place the card flat on the reader and keep it there."),
    ),
    "card_removed": (
        QT_TRANSLATE_NOOP("kiosk", "The card was moved away"),
        QT_TRANSLATE_NOOP("kiosk", "Place the card on the reader again and keep it still."),
    ),
    "reader_busy": (
        QT_TRANSLATE_NOOP("kiosk", "The reader is busy"),
        QT_TRANSLATE_NOOP("kiosk", "Please ask the staff for help."),
    ),
    "reader_unavailable": (
        QT_TRANSLATE_NOOP("kiosk", "The card reader is not working"),
        QT_TRANSLATE_NOOP("kiosk", "Please ask the staff for help."),
    ),
    "card_full": (
        QT_TRANSLATE_NOOP("kiosk", "The Breka card cannot hold these points"),
        QT_TRANSLATE_NOOP("kiosk", "Nothing was taken. Please ask the staff."),
    ),
    "card_error": (
        QT_TRANSLATE_NOOP("kiosk", "The card could not be read"),
        QT_TRANSLATE_NOOP("kiosk", "Place the card on the reader again."),
    ),
    "wrong_pin": (
        QT_TRANSLATE_NOOP("kiosk", "The PIN is not correct"),
        QT_TRANSLATE_NOOP("kiosk", "Enter the PIN again. Tries left: {tries_left}"),
    ),
    "pin_locked": (
        QT_TRANSLATE_NOOP("kiosk", "This card's PIN is locked"),
        QT_TRANSLATE_NOOP("kiosk", "Please go to the municipal office to unlock it."),
    ),
    "last_try_needs_confirmation": (
        QT_TRANSLATE_NOOP("kiosk", "Last try"),
        QT_TRANSLATE_NOOP("kiosk", "If this PIN is wrong, the card will be locked."),
    ),
    "pin_format": (
        QT_TRANSLATE_NOOP("kiosk", "The PIN has 4 digits"),
        QT_TRANSLATE_NOOP("kiosk", "Enter the 4-digit PIN."),
    ),
    "unknown_card": (
        QT_TRANSLATE_NOOP("kiosk", "This card cannot be used here"),
        QT_TRANSLATE_NOOP("kiosk", "Use your My Number Card, then your Breka card."),
    ),
    "mynumber_first": (
        QT_TRANSLATE_NOOP("kiosk", "This is a Breka card"),
        QT_TRANSLATE_NOOP("kiosk", "Please place your My Number Card first."),
    ),
    "pending_finished": (
        QT_TRANSLATE_NOOP("kiosk", "Your earlier exchange is now finished"),
        QT_TRANSLATE_NOOP("kiosk", "Finished exchanges: {count}. To exchange again, place your My Number Card."),
    ),
    "correction_finished": (
        QT_TRANSLATE_NOOP("kiosk", "The staff's correction is now finished"),
        QT_TRANSLATE_NOOP(
            "kiosk",
            "The corrected exchange's points were taken back from this card. To exchange, place your My Number Card.",
        ),
    ),
    "correction_needs_staff": (
        QT_TRANSLATE_NOOP("kiosk", "Please call the staff"),
        QT_TRANSLATE_NOOP(
            "kiosk", "A correction of an exchange on this card is not finished. The staff will help you."
        ),
    ),
    "breka_not_mynumber": (
        QT_TRANSLATE_NOOP("kiosk", "This is the My Number Card"),
        QT_TRANSLATE_NOOP("kiosk", "Now place your Breka card."),
    ),
    "tap_same_card_again": (
        QT_TRANSLATE_NOOP("kiosk", "The loading was interrupted"),
        QT_TRANSLATE_NOOP("kiosk", "Place the same Breka card again."),
    ),
    "load_waits_for_card": (
        QT_TRANSLATE_NOOP("kiosk", "Please call the staff"),
        QT_TRANSLATE_NOOP(
            "kiosk", "An exchange waits for its Breka card (number {number}). Next person: place your My Number Card."
        ),
    ),
    "idle_cancelled": (
        QT_TRANSLATE_NOOP("kiosk", "The exchange was stopped: no touch for a while"),
        QT_TRANSLATE_NOOP("kiosk", "Nothing was taken or loaded. To exchange, place your My Number Card."),
    ),
    "cancelled_by_clerk": (
        QT_TRANSLATE_NOOP("kiosk", "The staff cancelled this exchange"),
        QT_TRANSLATE_NOOP("kiosk", "No points were taken or loaded. To exchange, place your My Number Card."),
    ),
    "completed_by_clerk": (
        QT_TRANSLATE_NOOP("kiosk", "Your exchange is finished"),
        QT_TRANSLATE_NOOP("kiosk", "The points are on your Breka card. To exchange again, place your My Number Card."),
    ),
    "reserved_unavailable": (
        QT_TRANSLATE_NOOP("kiosk", "The point service did not answer"),
        QT_TRANSLATE_NOOP("kiosk", "Press Add them to try again, or Not now."),
    ),
    "reserved_closed": (
        QT_TRANSLATE_NOOP("kiosk", "Points are no longer issued"),
        QT_TRANSLATE_NOOP("kiosk", "Your points stay usable until their dates."),
    ),
    "reserved_refused": (
        QT_TRANSLATE_NOOP("kiosk", "The reserved points could not be added"),
        QT_TRANSLATE_NOOP("kiosk", "Your other points can be exchanged. Please ask the staff."),
    ),
    "cloud_unavailable": (
        QT_TRANSLATE_NOOP("kiosk", "The point service cannot be reached"),
        QT_TRANSLATE_NOOP("kiosk", "Nothing was taken. Please try again later."),
    ),
    "unexpected_response": (
        QT_TRANSLATE_NOOP("kiosk", "The point service gave a wrong answer"),
        QT_TRANSLATE_NOOP("kiosk", "Nothing was loaded. Please ask the staff."),
    ),
    "terminal_rejected": (
        QT_TRANSLATE_NOOP("kiosk", "This kiosk is not accepted by the point service"),
        QT_TRANSLATE_NOOP("kiosk", "Please ask the staff for help."),
    ),
    "insufficient_points": (
        QT_TRANSLATE_NOOP("kiosk", "Not enough points"),
        QT_TRANSLATE_NOOP("kiosk", "Choose a smaller amount."),
    ),
    "not_a_whole_number": (
        QT_TRANSLATE_NOOP("kiosk", "Enter a number"),
        QT_TRANSLATE_NOOP("kiosk", "Use the number keys."),
    ),
    "not_positive": (
        QT_TRANSLATE_NOOP("kiosk", "Enter at least 1 point"),
        QT_TRANSLATE_NOOP("kiosk", "Use the number keys."),
    ),
    "more_than_usable": (
        QT_TRANSLATE_NOOP("kiosk", "More than your points"),
        QT_TRANSLATE_NOOP("kiosk", "Choose a smaller amount."),
    ),
    "more_than_card_holds": (
        QT_TRANSLATE_NOOP("kiosk", "More than the Breka card can hold"),
        QT_TRANSLATE_NOOP("kiosk", "Choose a smaller amount."),
    ),
    "needs_clerk_approval": (
        QT_TRANSLATE_NOOP("kiosk", "A large exchange needs the staff"),
        QT_TRANSLATE_NOOP("kiosk", "Please call the staff to approve it."),
    ),
    "challenge_expired": (
        QT_TRANSLATE_NOOP("kiosk", "It took too long"),
        QT_TRANSLATE_NOOP("kiosk", "Please start again."),
    ),
    "bad_signature": (
        QT_TRANSLATE_NOOP("kiosk", "The card could not be checked"),
        QT_TRANSLATE_NOOP("kiosk", "Please start again."),
    ),
    "certificate_untrusted": (
        QT_TRANSLATE_NOOP("kiosk", "This card cannot be used here"),
        QT_TRANSLATE_NOOP("kiosk", "Please go to the municipal office."),
    ),
    "certificate_expired": (
        QT_TRANSLATE_NOOP("kiosk", "The card's certificate has expired"),
        QT_TRANSLATE_NOOP("kiosk", "Please go to the municipal office to renew it."),
    ),
    "certificate_revoked": (
        QT_TRANSLATE_NOOP("kiosk", "The card's certificate is not valid"),
        QT_TRANSLATE_NOOP("kiosk", "Please go to the municipal office."),
    ),
    "no_mykey_id": (
        QT_TRANSLATE_NOOP("kiosk", "No MyKey ID is set up for this card"),
        QT_TRANSLATE_NOOP("kiosk", "Please ask the staff to help you set it up."),
    ),
    "mykey_unavailable": (
        QT_TRANSLATE_NOOP("kiosk", "The MyKey ID could not be set up yet"),
        QT_TRANSLATE_NOOP("kiosk", 'The connection failed. Press "Agree and create" to try again.'),
    ),
    "mykey_tap_again": (
        QT_TRANSLATE_NOOP("kiosk", "The card's proof is no longer valid"),
        QT_TRANSLATE_NOOP("kiosk", "Nothing was created. Please tap the card again."),
    ),
    "mykey_declined": (
        QT_TRANSLATE_NOOP("kiosk", "No MyKey ID was created"),
        QT_TRANSLATE_NOOP("kiosk", "Nothing was sent. You can set it up at any visit."),
    ),
    "kiosk_not_provisioned": (
        QT_TRANSLATE_NOOP("kiosk", "This kiosk is not set up yet"),
        QT_TRANSLATE_NOOP("kiosk", "Please ask the staff for help."),
    ),
    "internal_error": (
        QT_TRANSLATE_NOOP("kiosk", "Something went wrong"),
        QT_TRANSLATE_NOOP("kiosk", "Nothing was taken. Please ask the staff."),
    ),
}
_FALLBACK = "internal_error"


def problem_text(problem) -> tuple[str, str]:
    """(title, instruction) in the current language for a Problem (or None -> ("", ""))."""
    if problem is None:
        return "", ""
    title, instruction = PROBLEMS.get(problem.code, PROBLEMS[_FALLBACK])
    params = {"tries_left": "", "count": "", "number": ""} | dict(problem.params or {})
    return translate("kiosk", str(title)), translate("kiosk", str(instruction)).format(**params)


def points(n: int | None) -> str:
    """Grouped digits, never a bare 12-digit run."""
    return "-" if n is None else f"{n:,}"


def expiry(rfc3339: str) -> str:
    """The last JST day a lot is usable (the cloud gives the first instant it no longer is)."""
    from kiosk.rules import JST

    try:
        moment = datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).astimezone(JST) - timedelta(microseconds=1)
    except ValueError:
        return rfc3339
    return translate("kiosk", "{y}-{m:02d}-{d:02d}").format(y=moment.year, m=moment.month, d=moment.day)


def local_time(rfc3339: str) -> str:
    """A moment as the counter reads it: Japan time, to the minute (the engine keeps UTC)."""
    from kiosk.rules import JST

    try:
        moment = datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).astimezone(JST)
    except ValueError:
        return rfc3339
    return moment.strftime("%Y-%m-%d %H:%M")
