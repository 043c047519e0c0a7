from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from jinja2 import UndefinedError

from services.renderer.coding.risk import money
from services.renderer.templating import (
    environment,
    format_money,
    format_signed,
    format_timestamp,
    plural,
)


def test_money_is_rounded_to_dollars_with_a_real_minus_sign() -> None:
    assert format_money(6960.0) == "$6,960"
    assert format_money(1234.6) == "$1,235"
    assert format_money(-50) == "−$50"
    assert money(6960.0, "EUR") == "6,960 EUR"


def test_signed_changes_always_show_their_sign() -> None:
    assert format_signed(0.58) == "+0.580"
    assert format_signed(-0.1) == "−0.100"


def test_timestamps_print_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert format_timestamp(datetime(2025, 3, 14, 10, 26, tzinfo=paris)) == "2025-03-14 09:26 UTC"


def test_plural() -> None:
    assert plural(1, "reaction") == "1 reaction"
    assert plural(1200, "reaction") == "1,200 reactions"
    assert plural(2, "query", "queries") == "2 queries"


def test_templates_escape_data_and_refuse_undefined_names() -> None:
    template = environment().from_string("<p>{{ note }}</p>")
    assert template.render(note="<script>x</script>") == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    with pytest.raises(UndefinedError):
        environment().from_string("{{ missing.field }}").render()
