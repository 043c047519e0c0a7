"""Signal-detection presets: which statistics a disproportionality row must reach to be a signal.

The thresholds are conventions, not truths; the report prints the chosen one's criteria so a reader
knows what "signal" meant in it.
"""

from __future__ import annotations

from shared.events.cer import (
    SIGNAL_PRESET_CRITERIA,
    SIGNAL_PRESET_LABELS,
    DisproportionalityRow,
    PresetCriteria,
    SignalPreset,
)


def meets_preset(row: DisproportionalityRow, preset: SignalPreset) -> bool:
    """Whether ``row`` meets ``preset``'s criteria.

    - Evans: PRR ≥ 2, χ² (Yates) ≥ 4 and a ≥ 3.
    - EMA: lower 95% bound of the PRR ≥ 1 and a ≥ 5.
    - IC025: lower 95% credibility bound of the IC > 0.
    """
    a = row.table.a
    match preset:
        case SignalPreset.EVANS:
            return row.prr.value >= 2.0 and row.chi_square_yates >= 4.0 and a >= 3
        case SignalPreset.EMA:
            return row.prr.lower >= 1.0 and a >= 5
        case SignalPreset.IC025:
            return row.ic.ic025 > 0.0


def presets_met(row: DisproportionalityRow) -> tuple[SignalPreset, ...]:
    """Every preset ``row`` meets, in declaration order."""
    return tuple(preset for preset in SignalPreset if meets_preset(row, preset))


def preset_criteria(preset: SignalPreset) -> PresetCriteria:
    """The label and criteria text printed in the report for ``preset``."""
    return PresetCriteria(
        preset=preset,
        label=SIGNAL_PRESET_LABELS[preset],
        criteria=SIGNAL_PRESET_CRITERIA[preset],
    )
