"""A render worker renders hundreds of reports: the garbage collector pause around each render
must never outlive it, and what the render left behind must be freed when it ends."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime

import pytest

from services.renderer.pdf import PdfDocument, RenderError, garbage_collected_once, html_to_pdf


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_cyclic_garbage_made_inside_is_freed_when_the_block_ends() -> None:
    with garbage_collected_once():
        node = _Node()
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # the collector is paused inside
    assert alive() is None
    assert gc.isenabled()


def test_the_collector_runs_again_after_a_render_that_fails() -> None:
    broken = PdfDocument("<html><body>x</body></html>", "t", datetime.now(UTC))
    with pytest.raises(RenderError):
        html_to_pdf(broken, stylesheets=(object(),))
    assert gc.isenabled()


def test_a_paused_collector_is_left_paused() -> None:
    gc.disable()
    try:
        with garbage_collected_once():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
