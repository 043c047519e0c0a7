"""Hand-worked 2×2 tables. Expected values were worked out from the textbook formulas with 40-digit
decimal arithmetic, independently of the code under test; the arithmetic is shown where short."""

import math

import pytest

from services.analyzer.cer.disproportionality import (
    chi_square_yates,
    expected_count,
    information_component,
    needs_haldane,
    proportional_reporting_ratio,
    reporting_odds_ratio,
    table_from_counts,
)
from shared.events.cer import TwoByTwo

TOL = 1e-9

# a=20 b=180 c=380 d=9420, N=10,000: no zero cell.
PLAIN = TwoByTwo(a=20, b=180, c=380, d=9420)
# a=3 b=97 c=0 d=9900: the reaction was never reported with another product (zero cell).
ZERO_C = TwoByTwo(a=3, b=97, c=0, d=9900)
# a=2 b=0 c=10 d=1000: every report of the product lists the reaction (zero cell).
ZERO_B = TwoByTwo(a=2, b=0, c=10, d=1000)
# Independence: the reaction is as common with the product as without.
NULL = TwoByTwo(a=10, b=90, c=90, d=810)


def close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=TOL, abs_tol=TOL)


def test_prr_plain_table() -> None:
    # (20/200) / (380/9800) = 980/380; SE² = 1/20 − 1/200 + 1/380 − 1/9800
    prr = proportional_reporting_ratio(PLAIN)
    assert close(prr.value, 980 / 380)
    assert close(prr.value, 2.578947368421052631)
    assert close(prr.lower, 1.682169409076783290)
    assert close(prr.upper, 3.953804826789765046)


def test_ror_plain_table() -> None:
    # (20·9420) / (180·380) = 188400 / 68400; SE² = 1/20 + 1/180 + 1/380 + 1/9420
    ror = reporting_odds_ratio(PLAIN)
    assert close(ror.value, 188400 / 68400)
    assert close(ror.lower, 1.715973846467659387)
    assert close(ror.upper, 4.421187455346650895)


def test_chi_square_with_yates_plain_table() -> None:
    # 10000·(|188400 − 68400| − 5000)² / (200·9800·400·9600) = 1.3225e14 / 7.5264e12
    assert close(chi_square_yates(PLAIN), 1.3225e14 / 7.5264e12)
    assert close(chi_square_yates(PLAIN), 17.57148171768707483)


def test_information_component_plain_table() -> None:
    # E = 200·400/10000 = 8; IC = log2(20.5/8.5)
    assert expected_count(PLAIN) == 8.0
    ic = information_component(PLAIN)
    assert close(ic.value, math.log2(20.5 / 8.5))
    assert close(ic.value, 1.270089163367744285)
    assert close(ic.ic025, 0.5196934764298845966)
    assert close(ic.ic975, 1.794773584816039573)


def test_zero_cell_applies_haldane_to_prr_and_ror() -> None:
    assert needs_haldane(ZERO_C)
    # cells become 3.5, 97.5, 0.5, 9900.5
    prr = proportional_reporting_ratio(ZERO_C)
    assert close(prr.value, (3.5 / 101) / (0.5 / 9901))
    assert close(prr.value, 686.2079207920792079)
    assert close(prr.lower, 35.67620802556819011)
    assert close(prr.upper, 13198.74887545000107)
    ror = reporting_odds_ratio(ZERO_C)
    assert close(ror.value, (3.5 * 9900.5) / (97.5 * 0.5))
    assert close(ror.lower, 36.47055541162053855)
    assert close(ror.upper, 13853.47507270821280)


def test_zero_cell_chi_square_and_ic_use_raw_counts() -> None:
    # 10000·(29700 − 5000)² / (100·9900·3·9997)
    assert close(chi_square_yates(ZERO_C), 205.4791521631573647)
    ic = information_component(ZERO_C)
    # E = 100·3/10000 = 0.03; IC = log2(3.5/0.53)
    assert close(ic.value, math.log2(3.5 / 0.53))
    assert close(ic.ic025, 0.6539250413186436739)
    assert close(ic.ic975, 3.929784263616645418)


def test_zero_b_cell() -> None:
    assert needs_haldane(ZERO_B)
    prr = proportional_reporting_ratio(ZERO_B)
    assert close(prr.value, 80.23809523809523810)
    assert close(prr.lower, 36.55334605431855642)
    assert close(prr.upper, 176.1303033071308412)
    ror = reporting_odds_ratio(ZERO_B)
    assert close(ror.value, 476.4285714285714286)
    assert close(ror.lower, 21.53491228629138808)
    assert close(ror.upper, 10540.28828424632634)
    assert close(chi_square_yates(ZERO_B), 93.18566138613861386)
    ic = information_component(ZERO_B)
    assert close(ic.value, 2.255073120131110949)
    # Two reports are too few: the credibility interval still spans zero.
    assert close(ic.ic025, -0.3379945612069601030)
    assert close(ic.ic975, 3.646475290605197855)


def test_independence_gives_no_disproportionality() -> None:
    assert not needs_haldane(NULL)
    prr = proportional_reporting_ratio(NULL)
    ror = reporting_odds_ratio(NULL)
    assert close(prr.value, 1.0)
    assert close(ror.value, 1.0)
    assert close(prr.lower, 0.5380547101270895595)
    assert close(ror.upper, 1.991048027327964657)
    # |ad − bc| = 0 is below N/2: Yates' correction clamps at zero rather than going negative.
    assert chi_square_yates(NULL) == 0.0
    ic = information_component(NULL)
    assert close(ic.value, 0.0)
    assert close(ic.ic025, -1.077184338306794002)


def test_empty_margin_has_no_contrast() -> None:
    # Every report in the database lists the product: c = d = 0.
    assert chi_square_yates(TwoByTwo(a=4, b=6, c=0, d=0)) == 0.0


def test_table_from_count_queries() -> None:
    table = table_from_counts(
        product_event=20, product_total=200, event_total=400, database_total=10000
    )
    assert table == PLAIN


def test_inconsistent_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative cell"):
        table_from_counts(product_event=30, product_total=20, event_total=400, database_total=1000)
