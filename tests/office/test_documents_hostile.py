"""The office's templates from overrides/templates/office: a link out of that folder or a pipe is
passed over for the package's template, never read."""

import os

from helpers import ROOT

from scoring.office.documents import OfficeWriter


def test_a_link_or_pipe_among_the_office_templates_is_passed_over(tmp_path):
    # before: ChoiceLoader(FileSystemLoader) rendered the link's target (/etc/passwd, say) into the
    # office's documents, and the templates' digest blocked on a pipe
    own = tmp_path / "overrides" / "templates" / "office"
    own.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("私密内容 {{ 1 + 1 }}\n", encoding="utf-8")
    os.symlink(secret, own / "dashboard.html.j2")
    os.mkfifo(own / "report.html.j2")
    (own / "filing.html.j2").write_text("本机构的备案模板\n", encoding="utf-8")  # a regular override: used as before
    package = ROOT / "templates" / "office"
    writer = OfficeWriter(tmp_path / "office", [own, package])
    for name in ("dashboard.html.j2", "report.html.j2"):
        source, filename, _ = writer.env.loader.get_source(writer.env, name)
        assert filename == str(package / name) and "私密内容" not in source
    assert writer.env.get_template("filing.html.j2").render() == "本机构的备案模板"
