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


def _config(tmp_path, title='"评估结果公示"', site_url='"https://pingjia.example.org/"', issuer='""'):
    path = tmp_path / "scoring.toml"
    path.write_text(f'schemes = ["zj-skpw"]\n[site]\ntitle = {title}\nsite_url = {site_url}\nissuer = {issuer}\n', encoding="utf-8")
    return path


BAD_TITLES = {
    "newline": r'"第一行\n第二行"',
    "markup": '"<script>alert(1)</script>"',
    "quote": r'"公示\" onmouseover=\"x"',
    "too long": '"' + "公" * 101 + '"',
    "bidi control": '"公示\u202e示公"',
}


@pytest.mark.parametrize("title", BAD_TITLES.values(), ids=BAD_TITLES.keys())
def test_a_title_that_is_not_one_plain_line_is_refused(tmp_path, title):
    # before: printed as it is in every page's header (Material's <title> and navigation too)
    path = _config(tmp_path, title=title)
    with pytest.raises(InstanceError, match="title") as info:
        load_instance(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


BAD_URLS = {
    "breaks out of the canonical link": '"https://pingjia.example.org/\\"><script>alert(1)</script>"',
    "javascript": '"javascript:alert(1)"',
    "trailing newline": r'"https://pingjia.example.org/\n"',
    "space": '"https://pingjia.example.org/a b"',
    "angle bracket": '"https://pingjia.example.org/<x>"',
    "single quote": '"https://pingjia.example.org/\'x"',
    "ftp": '"ftp://pingjia.example.org/"',
    "query": '"https://pingjia.example.org/?a=1"',
    "backslash": r'"https://pingjia.example.org/\\x"',
}


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_a_site_url_that_is_not_a_plain_http_address_is_refused(tmp_path, url):
    path = _config(tmp_path, site_url=url)
    with pytest.raises(InstanceError, match="site_url") as info:
        load_instance(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_newline_in_another_site_value_is_refused(tmp_path):
    path = _config(tmp_path, issuer=r'"浙江省\n环境监测协会"')
    with pytest.raises(InstanceError, match="issuer.*换行"):
        load_instance(path)


@pytest.mark.parametrize(
    "url",
    [
        "https://pingjia.example.org/",
        "http://127.0.0.1:8000/",
        "https://pingjia.zjhjjc.org.cn",
        "https://example.org/sub/path-1_2/",
        "https://评估.中国/",
        "https://example.org/公示/",
    ],
)
def test_plain_addresses_and_titles_are_read(tmp_path, url):
    inst = load_instance(_config(tmp_path, site_url=f'"{url}"', title='"浙江省（演示）运维服务机构能力评估结果公示平台 2026 A&B\'s"'))
    assert inst.site["site_url"] == url


def test_the_demo_instance_is_read(tmp_path):
    from helpers import ROOT

    assert load_instance(ROOT / "scoring.toml").site["title"] == "运维服务机构能力评估结果公示平台（演示）"


@pytest.mark.parametrize(
    "option, value",
    [
        ("--title", "第一行\n第二行"),
        ("--title", "<b>公示</b>"),
        ("--site-url", "javascript:alert(1)"),
        ("--site-url", 'https://x.org/">'),
        ("--issuer", "甲\n乙"),
        ("--title", "公示\x7f"),  # before: written raw, a TOML string cannot hold it: every later command failed
        ("--issuer", "甲\x9b乙"),
    ],
)
def test_init_refuses_what_load_would_refuse_and_writes_nothing(tmp_path, option, value):
    # before: `scoring init` wrote the value into scoring.toml unchecked
    from click.testing import CliRunner

    from scoring.cli import main

    folder = tmp_path / "inst"
    result = CliRunner().invoke(main, ["init", str(folder), "--scheme", "zj-skpw", option, value])
    assert result.exit_code == 1
    assert "scoring.toml" in result.output and option.lstrip("-").replace("-", "_") in result.output
    assert not folder.exists() or not any(folder.iterdir())


def test_a_config_that_is_a_folder_a_pipe_or_huge_is_refused_unread(tmp_path):
    # before: a folder was an IsADirectoryError traceback, a pipe blocked every command for ever
    import os

    (tmp_path / "folder.toml").mkdir()
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "huge.toml").write_text("# " + "x" * (1 << 20) + "\n", encoding="utf-8")
    for name in ("folder.toml", "pipe.toml", "huge.toml"):
        with pytest.raises(InstanceError) as info:
            load_instance(tmp_path / name)
        assert str(tmp_path / name) in str(info.value)
    with pytest.raises(InstanceError, match="找不到配置文件"):
        load_instance(tmp_path / "missing.toml")


def test_a_config_saved_by_notepad_with_a_bom_is_read(tmp_path):
    path = _config(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # Notepad's UTF-8
    instance = load_instance(path)
    assert instance.site["title"] == "评估结果公示" and instance.schemes == ("zj-skpw",)
