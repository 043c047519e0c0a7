"""The de-identification time budget: CPU time scaled to the note, not wall clock; a timeout is
retriable and still fails closed; too long a note is refused by length."""

from __future__ import annotations

import threading
import time

import orjson
import pytest

from services.ingestor.phi.budget import NoteBudget
from services.ingestor.phi.deidentify import PhiDeidentifier
from services.ingestor.phi.policy import DeidPolicy
from services.ingestor.phi.port import (
    DeidentificationTimeout,
    DeidentifiedNotes,
)
from services.ingestor.settings import IngestorSettings
from services.ingestor.stage import IngestorStage, load_deidentifier
from shared.intake.fhir import parse_bundle
from shared.intake.known_phi import KnownPhi
from shared.intake.note_limits import NoteTooLong, check_note_lengths
from shared.stage import StageError
from tests.integration.bundles import NOTE, note_bundle


def test_the_budget_counts_cpu_time_so_a_descheduled_thread_is_not_timed_out() -> None:
    deadline = NoteBudget(cpu_s=0.05, wall_s=60).start()
    time.sleep(0.2)  # four times the budget in wall clock, almost no CPU
    assert not deadline.expired()
    spin = time.thread_time() + 0.1
    while time.thread_time() < spin:
        pass
    assert deadline.expired()


def test_the_budget_grows_with_the_note_and_keeps_a_wall_clock_ceiling() -> None:
    short = NoteBudget.for_note(500, cpu_s_per_10kb=2.0, wall_ceiling_s=120)
    long = NoteBudget.for_note(100 * 10_240, cpu_s_per_10kb=2.0, wall_ceiling_s=120)
    assert short.cpu_s == 2.0
    assert long.cpu_s == pytest.approx(200.0)
    assert long.wall_s >= long.cpu_s
    assert NoteBudget(cpu_s=60, wall_s=0.05).start().expired() is False
    expired_by_wall = NoteBudget(cpu_s=60, wall_s=0.05).start()
    time.sleep(0.1)
    assert expired_by_wall.expired()


def test_a_busy_process_does_not_time_out_a_note_that_fits_its_budget() -> None:
    # Eight other threads spin in Python while the note is de-identified: its wall-clock time is
    # many times its CPU time. A wall-clock budget of 0.3 s fired here; 0.3 s of CPU does not.
    note = NOTE * 60  # ~19 KB: ~80 ms of CPU
    load_deidentifier(PhiDeidentifier())  # what the ingestor does before it consumes
    deidentifier = PhiDeidentifier(DeidPolicy(note_time_budget_s=0.3))
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    spinners = [threading.Thread(target=spin) for _ in range(8)]
    for thread in spinners:
        thread.start()
    try:
        started = time.perf_counter()
        result = deidentifier.deidentify_notes([note], KnownPhi())
        wall = time.perf_counter() - started
    finally:
        stop.set()
        for thread in spinners:
            thread.join()
    assert "Vandermeer" not in result.texts[0]
    assert wall > 0.3  # the contention really stretched it past a wall-clock budget


class _SlowDeidentifier:
    def deidentify_notes(self, notes: object, known: KnownPhi) -> DeidentifiedNotes:
        raise DeidentificationTimeout("note 1 of 1: exceeded its time budget of 2 s of CPU")


def test_a_timeout_is_a_retriable_stage_error_and_nothing_leaves() -> None:
    stage = IngestorStage(IngestorSettings(), _SlowDeidentifier())
    raw = orjson.dumps(note_bundle())
    with pytest.raises(StageError) as caught:
        stage._coding_case(raw)
    assert caught.value.permanent is False
    assert "time" in caught.value.message
    assert "Vandermeer" not in caught.value.message


def test_a_note_over_the_per_note_limit_is_named_without_its_text() -> None:
    parsed = parse_bundle(note_bundle(NOTE * 10))
    with pytest.raises(NoteTooLong) as caught:
        check_note_lengths(parsed, 1_000)
    message = str(caught.value)
    assert "1,000 characters" in message
    assert "DocumentReference" in message
    assert "Vandermeer" not in message
    check_note_lengths(parsed, 100_000)


def test_the_ingestor_refuses_a_note_over_the_limit_permanently() -> None:
    stage = IngestorStage(IngestorSettings(max_note_chars=1_000), PhiDeidentifier())
    raw = orjson.dumps(note_bundle(NOTE * 10))
    with pytest.raises(StageError) as caught:
        stage._coding_case(raw)
    assert caught.value.permanent is True
    assert "limit per note" in caught.value.message
