"""The JSON files beside --out (state.json, manifest.json, spare.json) damaged or nested deep: read
as absent (one full rebuild), never a RecursionError out of the publish."""

import pytest

from scoring.publish import layout

DEEP = "[" * 200_000 + "]" * 200_000


@pytest.mark.parametrize(
    "payload", [DEEP, '{"a":' * 200_000 + "1" + "}" * 200_000, "{broken", "\udcff"], ids=["array", "object", "broken", "undecodable"]
)
def test_a_deep_or_damaged_file_beside_out_is_read_as_absent(tmp_path, payload):
    out = tmp_path / "site"
    builds = layout.builds_folder(out)
    builds.mkdir()
    (builds / layout.SPARE).mkdir()
    for name in (layout.STATE, layout.MANIFEST, layout.SPARE_DESCRIPTION):
        (builds / name).write_bytes(payload.encode("utf-8", "surrogateescape"))
    assert layout.read_state(out) == {}
    assert layout.read_manifest(out) is None
    assert layout.take_spare(out, tmp_path / "next") is None
    assert (builds / layout.SPARE).is_dir() and not (tmp_path / "next").exists()  # nothing moved
