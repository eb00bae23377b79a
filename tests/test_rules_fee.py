import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules import fee_for, points_for_loaded, quote

# rules.md: the fee table, every row.
FEE_TABLE = [
    (1, 0, 1),
    (10, 0, 10),
    (11, 1, 10),
    (12, 1, 11),
    (500, 45, 455),
    (10_000, 909, 9_091),
    (370_000, 33_636, 336_364),
]


@pytest.mark.parametrize("points,fee,loaded", FEE_TABLE)
def test_fee_table_of_rules_md(points, fee, loaded):
    q = quote(points)
    assert (q.points_used, q.fee, q.loaded) == (points, fee, loaded)


@given(st.integers(min_value=1, max_value=10**12))
def test_fee_and_loaded_split_the_points(p):
    q = quote(p)
    assert q.fee + q.loaded == p
    assert q.fee == p // 11
    assert q.fee >= 0 and q.loaded >= 0
    assert isinstance(q.fee, int) and isinstance(q.loaded, int)


@given(st.integers(min_value=1, max_value=10**9))
def test_loaded_never_decreases_as_points_grow(p):
    assert quote(p + 1).loaded >= quote(p).loaded


@given(st.integers(min_value=1, max_value=10**9))
def test_points_for_loaded_is_the_smallest_sufficient_amount(target):
    p = points_for_loaded(target)
    assert quote(p).loaded >= target
    assert p == 1 or quote(p - 1).loaded < target


@pytest.mark.parametrize("bad", [0, -1, -370_000])
def test_non_positive_points_are_refused(bad):
    with pytest.raises(ValueError):
        quote(bad)


@pytest.mark.parametrize("bad", [1.0, "5", True, None])
def test_non_integers_are_refused(bad):
    with pytest.raises(TypeError):
        fee_for(bad)
