"""Hostile instance settings and overrides: refused at load with a Chinese message naming
scoring.toml and the key, or reported and left out of the site; never a leak, never a broken page."""

import os
from datetime import date

from helpers import ORGS, A, write_round, zj_workbook

from scoring.inputs.instance import init_instance, load_instance
from scoring.jobs import publish
from scoring.publish.config import copy_assets, copy_overrides, load_site_config, tree_digest


def _instance(tmp_path, **site):
    inst = tmp_path / "inst"
    init_instance(inst, ["zj-skpw"], today=date(2026, 10, 1), **site)
    return inst


def _publish(inst, config):
    wb = inst / "workbooks"
    r1 = wb / "zj-skpw" / "2026-1"
    write_round(r1, "2026年度第一批", "2026-10-12")
    zj_workbook(r1 / f"{A}.xlsx", A, ORGS[A], application="2026-09-01")
    return publish(wb, inst / "public", date(2026, 11, 20), inst / "registry.sqlite", config)


def test_links_out_of_overrides_are_not_copied_into_the_site(tmp_path):
    # before: copytree followed the link and published its target (/etc/passwd, the registry …)
    inst = _instance(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:私密内容\n", encoding="utf-8")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "key.pem").write_text("PRIVATE KEY\n", encoding="utf-8")
    assets = inst / "overrides" / "assets"
    (assets / "css").mkdir(parents=True)
    (assets / "css" / "site.css").write_text(".md-header { background: #8a1c1c; }\n", encoding="utf-8")
    os.symlink(secret, assets / "passwd")
    os.symlink(tmp_path / "private", assets / "private")
    os.symlink("css/site.css", assets / "alias.css")  # inside overrides: copied as before
    os.mkfifo(assets / "pipe")  # would block the copy forever
    config = load_site_config(instance=load_instance(inst / "scoring.toml"))
    res = _publish(inst, config)
    site = inst / "public"
    assert "#8a1c1c" in (site / "assets" / "css" / "site.css").read_text(encoding="utf-8")
    assert (site / "assets" / "alias.css").read_text(encoding="utf-8") == (assets / "css" / "site.css").read_text(encoding="utf-8")
    for name in ("passwd", "private", "pipe"):
        assert not (site / "assets" / name).exists()
    leaked = [p for p in site.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes() or p.is_file() and "私密内容".encode() in p.read_bytes()]
    assert leaked == []
    got = sorted((p.code, p.file) for p in res.report.problems)
    assert got == [
        ("file_unreadable", "overrides/assets/pipe"),
        ("link_outside", "overrides/assets/passwd"),
        ("link_outside", "overrides/assets/private"),
    ]
    assert all("未复制到网站" in p.message for p in res.report.problems)


def test_overrides_assets_itself_a_link_out_is_not_copied(tmp_path):
    inst = _instance(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.css").write_text("x", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere", inst / "overrides" / "assets")
    config = load_site_config(instance=load_instance(inst / "scoring.toml"))
    target = tmp_path / "docs_assets"
    problems = copy_assets(config, target)
    assert [(p.code, p.file) for p in problems] == [("link_outside", "overrides/assets")]
    assert not (target / "x.css").exists()


def test_the_fingerprint_never_reads_a_pipe_or_a_link_out(tmp_path):
    folder = tmp_path / "overrides"
    folder.mkdir()
    (folder / "a.css").write_text("a", encoding="utf-8")
    before = tree_digest(folder)
    os.mkfifo(folder / "pipe")  # before: read_bytes on it blocked the publish forever
    os.symlink("/dev/zero", folder / "zero")  # before: read until memory ran out
    assert tree_digest(folder) != before  # the link counts by where it points
    os.unlink(folder / "zero")
    assert tree_digest(folder) == before


def test_links_out_of_overrides_theme_and_templates_are_not_used(tmp_path):
    # before: the page templates' loader and the theme's copytree followed them: the target was
    # rendered into the home page and every page's header; a pipe blocked the publish
    inst = _instance(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("私密内容 PRIVATE\n", encoding="utf-8")
    templates = inst / "overrides" / "templates"
    templates.mkdir(parents=True)
    os.symlink(secret, templates / "home.md.j2")
    os.mkfifo(templates / "notices.md.j2")
    (templates / "about.md.j2").write_text("x", encoding="utf-8")  # a regular override is used as before (no such page: unused)
    theme = inst / "overrides" / "theme" / "partials"
    theme.mkdir(parents=True)
    os.symlink(secret, theme / "logo.html")
    config = load_site_config(instance=load_instance(inst / "scoring.toml"))
    res = _publish(inst, config)
    site = inst / "public"
    assert "运维服务" in (site / "index.html").read_text(encoding="utf-8")  # the package's home page
    assert (site / "notices" / "index.html").is_file()
    leaked = [p for p in site.rglob("*") if p.is_file() and "私密内容".encode() in p.read_bytes()]
    assert leaked == []
    got = sorted((p.code, p.file) for p in res.report.problems)
    assert got == [
        ("file_unreadable", "overrides/templates/notices.md.j2"),
        ("link_outside", "overrides/templates/home.md.j2"),
        ("link_outside", "overrides/theme/partials/logo.html"),
    ]


def chain(top, depth=1500):
    """`depth` nested folders `a` under `top` (about 3,000 characters, within PATH_MAX), deepest last."""
    paths = [str(top)]
    for _ in range(depth):
        paths.append(os.path.join(paths[-1], "a"))
        os.mkdir(paths[-1])
    return paths[1:]


def unchain(paths):
    """Remove what `chain` made, deepest first (shutil.rmtree, pytest's clean-up included, recurses)."""
    for path in reversed(paths):
        os.rmdir(path)


def test_thousands_of_nested_folders_in_overrides_are_no_crash(tmp_path):
    # tree_digest's os.walk recursed once per folder: RecursionError before anything was published
    folder = tmp_path / "overrides"
    (folder / "assets").mkdir(parents=True)
    made = chain(folder / "assets")
    (folder / "assets" / "a.css").write_text("a", encoding="utf-8")
    try:
        assert tree_digest(folder) != tree_digest(folder / "assets" / "a")
        assert copy_overrides(folder, "assets", tmp_path / "copy") == []
    finally:
        unchain(made)
    assert (tmp_path / "copy" / "a.css").is_file()
    assert (tmp_path / "copy" / os.path.join(*["a"] * 32)).is_dir() and not (tmp_path / "copy" / os.path.join(*["a"] * 33)).exists()


def test_the_title_is_escaped_in_the_header(tmp_path):
    inst = _instance(tmp_path, title="甲&乙's 评估结果公示")
    config = load_site_config(instance=load_instance(inst / "scoring.toml"))
    _publish(inst, config)
    page = (inst / "public" / "index.html").read_text(encoding="utf-8")
    assert 'aria-label="甲&amp;乙&#39;s 评估结果公示"' in page
    assert '<span class="md-ellipsis">\n            甲&amp;乙&#39;s 评估结果公示' in page


def test_overrides_templates_itself_a_link_out_is_not_used(tmp_path):
    inst = _instance(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "home.md.j2").write_text("私密内容\n", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere", inst / "overrides" / "templates")
    config = load_site_config(instance=load_instance(inst / "scoring.toml"))
    assert config.template_dirs == [config.templates]
    assert [(p.code, p.file) for p in copy_assets(config, tmp_path / "assets")] == [("link_outside", "overrides/templates")]
