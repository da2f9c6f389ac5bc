"""Hostile scoring.toml: an InstanceError naming the file (the CLI prints it in Chinese), never a
traceback."""

import pytest

from scoring.inputs.instance import InstanceError, load_instance


@pytest.mark.parametrize(
    "payload",
    ["x = " + "[" * 20000 + "]" * 20000, "x = " + "{a=" * 20000 + "1" + "}" * 20000, "[site]\n" + "a" + ".a" * 20000 + " = 1"],
    ids=["arrays", "inline tables", "dotted key"],
)
def test_deeply_nested_scoring_toml_is_an_instance_error(tmp_path, payload):
    path = tmp_path / "scoring.toml"
    path.write_text(payload + "\n", encoding="utf-8")
    with pytest.raises(InstanceError, match="嵌套|段") as info:
        load_instance(path)
    assert str(path) in str(info.value)
