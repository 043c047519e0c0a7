from datetime import date

import pytest
from pydantic import ValidationError

from shared.events.cer import SignalPreset
from shared.intake.ndc import InvalidNdc, cer_request, parse_ndc


@pytest.mark.parametrize(
    ("text", "form", "normalized", "product_ndcs"),
    [
        # 10-digit configurations name exactly one openFDA product code.
        ("0777-3105-02", "4-4-2", "00777-3105-02", ("0777-3105",)),
        ("50242-051-21", "5-3-2", "50242-0051-21", ("50242-051",)),
        ("65862-6590-1", "5-4-1", "65862-6590-01", ("65862-6590",)),
        # 11-digit: every configuration whose padding zero fits is a candidate.
        ("00777-3105-02", "5-4-2", "00777-3105-02", ("0777-3105", "00777-3105")),
        ("50242-0051-21", "5-4-2", "50242-0051-21", ("50242-051",)),
        ("65862-6590-01", "5-4-2", "65862-6590-01", ("65862-6590",)),
        ("50242005121", "5-4-2", "50242-0051-21", ("50242-051",)),
        # Product codes.
        ("0407-0690", "4-4", "00407-0690", ("0407-0690",)),
        ("50242-051", "5-3", "50242-0051", ("50242-051",)),
        ("65862-6590", "5-4", "65862-6590", ("65862-6590",)),
        ("50242-0051", "5-4", "50242-0051", ("50242-0051", "50242-051")),
        ("00407-0690", "5-4", "00407-0690", ("00407-0690", "0407-0690", "00407-690")),
        ("502420051", "5-4", "50242-0051", ("50242-0051", "50242-051")),
    ],
)
def test_accepted_forms_are_normalised(
    text: str, form: str, normalized: str, product_ndcs: tuple[str, ...]
) -> None:
    ndc = parse_ndc(text)
    assert ndc.form == form
    assert ndc.normalized == normalized
    assert ndc.product_ndcs == product_ndcs


def test_prefix_and_spaces_are_ignored() -> None:
    assert parse_ndc("  NDC: 0777-3105-02 ").normalized == "00777-3105-02"
    assert parse_ndc("ndc 0777-3105").normalized == "00777-3105"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("abc-defg", "only digits and hyphens"),
        ("0777-3105-", "empty segment"),
        ("0777--3105", "empty segment"),
        ("077-3105-02", "3-4-2 digits"),
        ("12345-6789-12", "none of its segments starts with 0"),
        ("0777310502", "ambiguous"),
        ("07773105", "ambiguous"),
        ("00000-0000-00", "all zeros"),
        ("123456789012", "12 digits"),
    ],
)
def test_invalid_ndc_names_the_problem_and_the_accepted_forms(text: str, problem: str) -> None:
    with pytest.raises(InvalidNdc) as caught:
        parse_ndc(text)
    message = str(caught.value)
    assert problem in message
    for form in ("4-4-2", "5-3-2", "5-4-1", "5-4-2", "labeler-product"):
        assert form in message


def test_invalid_ndc_is_a_value_error_for_callers_that_validate() -> None:
    with pytest.raises(ValueError, match="not a valid NDC"):
        parse_ndc("not-an-ndc")


def test_cer_request_carries_the_normalised_code_and_the_input() -> None:
    request = cer_request(
        "50242-051-21",
        since=date(2014, 1, 1),
        until=date(2014, 12, 31),
        signal_preset=SignalPreset.EMA,
    )
    assert request.ndc == "50242-0051-21"
    assert request.ndc_input == "50242-051-21"
    assert request.product_ndcs == ("50242-051",)
    assert request.signal_preset is SignalPreset.EMA


def test_cer_request_refuses_a_window_that_ends_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="after until"):
        cer_request("0777-3105", since=date(2020, 1, 2), until=date(2020, 1, 1))
