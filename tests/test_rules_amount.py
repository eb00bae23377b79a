import pytest

from kiosk.rules import (
    AmountLimits,
    MoreThanCardHolds,
    MoreThanUsable,
    NeedsClerkApproval,
    NotAWholeNumber,
    NotPositive,
    validate_amount,
)

LIMITS = AmountLimits(usable=400_000, card_balance=1_000, card_upper_limit=1_000_000, clerk_threshold=50_000)


@pytest.mark.parametrize("raw,expected", [("500", 500), (500, 500), (" 1,000 ", 1000), ("+12", 12)])
def test_valid_amounts_pass(raw, expected):
    assert validate_amount(raw, LIMITS) == expected


@pytest.mark.parametrize(
    "raw,error",
    [
        ("0", NotPositive),
        (0, NotPositive),
        ("-3", NotPositive),
        (-1, NotPositive),
        ("abc", NotAWholeNumber),
        ("1.5", NotAWholeNumber),
        (1.5, NotAWholeNumber),
        ("1e3", NotAWholeNumber),
        ("", NotAWholeNumber),
        (True, NotAWholeNumber),
        ("５００", NotAWholeNumber),
    ],
)
def test_bad_input_names_what_is_wrong(raw, error):
    with pytest.raises(error) as info:
        validate_amount(raw, LIMITS)
    message = str(info.value)
    assert " / " in message  # Japanese / English
    assert info.value.code


def test_more_than_usable():
    with pytest.raises(MoreThanUsable) as info:
        validate_amount(400_001, LIMITS)
    assert info.value.params == {"points": 400_001, "usable": 400_000}
    assert "400,000" in str(info.value)


def test_more_than_the_card_can_hold_counts_the_loaded_amount():
    limits = AmountLimits(usable=400_000, card_balance=990_000, clerk_threshold=10**7)
    # 11,000 points load 10,000: exactly fills the card.
    assert validate_amount(11_000, limits) == 11_000
    with pytest.raises(MoreThanCardHolds) as info:
        validate_amount(11_002, limits)  # loads 10,002
    assert info.value.params["room"] == 10_000


def test_above_threshold_needs_a_clerk_and_passes_with_approval():
    with pytest.raises(NeedsClerkApproval):
        validate_amount(370_000, LIMITS)
    assert validate_amount(50_000, LIMITS) == 50_000
    assert validate_amount(370_000, LIMITS, clerk_approved=True) == 370_000


def test_card_balance_unknown_skips_the_card_check():
    limits = AmountLimits(usable=2_000_000, card_balance=None, clerk_threshold=10**7)
    assert validate_amount(1_500_000, limits) == 1_500_000
