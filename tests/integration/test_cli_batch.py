"""``clinrelay submit DIR/ --wait``: a folder as one batch, one progress bar, the PDFs saved."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.e2e.test_cli import clinrelay
from tests.integration.bundles import note_bundle, without
from tests.integration.doubles import RecordingStage
from tests.integration.harness import Pipeline


async def test_a_folder_goes_as_one_batch_and_its_pdfs_are_saved(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage())
    folder = tmp_path / "encounters"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.json").write_bytes(
            orjson.dumps(note_bundle(), option=orjson.OPT_INDENT_2)
        )
    (folder / "more.ndjson").write_bytes(orjson.dumps(note_bundle()) + b"\n\n")
    (folder / "notes.txt").write_text("not a request")
    out = tmp_path / "pdfs"
    key = await pipeline.api_key("cli")

    code, stdout, stderr = await clinrelay(
        pipeline, "submit", str(folder), "--wait", "--out", str(out), "--key", key
    )

    assert code == 0, stderr
    assert Path(stdout.strip()) == out
    assert sorted(p.name for p in out.iterdir()) == ["a.pdf", "b.pdf", "more-1.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") for p in out.iterdir())
    assert "3 report(s) accepted, 0 refused" in stderr
    assert stderr.count("batch ") == 1  # one batch, followed by one progress bar
    pool = await pipeline.pool()
    assert await pool.fetchval("SELECT count(*) FROM batches") == 1


async def test_refused_files_are_named_and_the_exit_status_says_so(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage())
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.json").write_bytes(orjson.dumps(note_bundle()))
    (folder / "broken.json").write_text("{nope")
    (folder / "no-encounter.json").write_bytes(orjson.dumps(without(note_bundle(), "Encounter")))
    empty = tmp_path / "empty"
    empty.mkdir()
    key = await pipeline.api_key("cli")

    code, stdout, stderr = await clinrelay(pipeline, "submit", str(folder), "--key", key)
    nothing = await clinrelay(pipeline, "submit", str(empty), "--key", key)

    assert code == 1
    assert len(stdout.strip()) == 36  # the batch id
    assert "broken.json: not JSON" in stderr
    assert "no-encounter.json" in stderr
    assert "Encounter" in stderr
    assert "1 report(s) accepted, 2 refused" in stderr
    assert nothing[0] == 1
    assert "no request to submit" in nothing[2]
    assert "Traceback" not in stderr + nothing[2]
