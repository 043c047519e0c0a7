from __future__ import annotations

from pathlib import Path

import pytest

from services.analyzer.settings import AnalyzerSettings


def test_environment_builds_the_coding_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CLINRELAY_CODING_HCC_MODEL", "V24")
    monkeypatch.setenv("CLINRELAY_CODING_PAYMENT_YEAR", "2024")
    monkeypatch.setenv("CLINRELAY_CODING_MONTHLY_BASE_RATE", "1234.5")
    monkeypatch.setenv("CLINRELAY_SNOMED_RF2_PATH", str(tmp_path))
    monkeypatch.setenv("CLINRELAY_SECOND_OPINION_ENABLED", "true")
    monkeypatch.setenv("CLINRELAY_SECOND_OPINION_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CLINRELAY_SECOND_OPINION_MODEL", "m")
    config = AnalyzerSettings().coding_config()
    assert config.hcc_model.value == "V24"
    assert config.effective_normalization_factor == 1.146
    assert config.monthly_base_rate == 1234.5
    assert config.snomed_release_path == tmp_path
    assert config.second_opinion.enabled
    assert config.second_opinion.timeout_s == 120


def test_second_opinion_is_off_by_default() -> None:
    assert not AnalyzerSettings().coding_config().second_opinion.enabled
