"""Validation of the amount a holder asks to exchange.

Each refusal is its own exception type with a stable `code`, so the UI maps types to
screens (never strings) and the CLI prints `str(error)`: Japanese first, then English.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.rules.fee import quote

MAX_DIGITS = 18  # more than any card or ledger holds (2^62 has 19 digits)


class AmountError(ValueError):
    code = "invalid_amount"

    def __init__(self, ja: str, en: str, **params: object) -> None:
        super().__init__(f"{ja} / {en}")
        self.ja, self.en, self.params = ja, en, params


class NotAWholeNumber(AmountError):
    code = "not_a_whole_number"


class NotPositive(AmountError):
    code = "not_positive"


class MoreThanUsable(AmountError):
    code = "more_than_usable"


class MoreThanCardHolds(AmountError):
    code = "more_than_card_holds"


class NeedsClerkApproval(AmountError):
    code = "needs_clerk_approval"


@dataclass(frozen=True)
class AmountLimits:
    usable: int  # experiment points the holder can use now
    card_balance: int | None = None  # Breka balance, once the card has been read
    card_upper_limit: int = 1_000_000
    clerk_threshold: int = 50_000  # above this a clerk must confirm


def parse_points(raw: object) -> int:
    """Turn user input (text or int) into a positive whole number of points."""
    if isinstance(raw, bool):
        raise NotAWholeNumber("ポイント数は整数で入力してください", f"points must be a whole number, got {raw!r}")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().replace(",", "")
        # Only plain ASCII digits with an optional sign: "1e3", "5.0", "٣" and "" are refused.
        body = text[1:] if text[:1] in "+-" else text
        if not body.isascii() or not body.isdigit():
            raise NotAWholeNumber(
                "ポイント数は整数で入力してください", f"points must be a whole number, got {str(raw)!r}", raw=str(raw)
            )
        if len(body.lstrip("0")) > MAX_DIGITS:  # before int(): Python refuses > 4,300 digits with a traceback
            raise NotAWholeNumber(
                "ポイント数が大きすぎます", f"points must have at most {MAX_DIGITS} digits", raw=str(raw)[:40]
            )
        value = int(text)
    if value < 1:
        raise NotPositive("ポイント数は1以上で入力してください", f"points must be 1 or more, got {value}", value=value)
    return value


def validate_amount(raw: object, limits: AmountLimits, *, clerk_approved: bool = False) -> int:
    """Return the amount as int, or raise the AmountError that says what is wrong."""
    points = parse_points(raw)
    if points > limits.usable:
        raise MoreThanUsable(
            f"利用できるポイントは{limits.usable:,}ポイントまでです",
            f"only {limits.usable:,} points are usable, asked for {points:,}",
            points=points,
            usable=limits.usable,
        )
    loaded = quote(points).loaded
    if limits.card_balance is not None and limits.card_balance + loaded > limits.card_upper_limit:
        room = limits.card_upper_limit - limits.card_balance
        raise MoreThanCardHolds(
            f"ブレカカードにはあと{max(room, 0):,}ポイントまでしか入りません",
            f"the Breka card can take {max(room, 0):,} more points, this would load {loaded:,}",
            loaded=loaded,
            room=room,
        )
    if points > limits.clerk_threshold and not clerk_approved:
        raise NeedsClerkApproval(
            f"{limits.clerk_threshold:,}ポイントを超える交換には係員の確認が必要です",
            f"exchanges above {limits.clerk_threshold:,} points need a clerk's approval",
            points=points,
            threshold=limits.clerk_threshold,
        )
    return points
