"""Office documents: Jinja2 HTML → PDF (WeasyPrint, Pango, embedded CJK fonts), written only when
their inputs changed.

Every document is a template name plus plain data. Its key is the SHA-256 of that data, the office
templates and the WeasyPrint version; `.manifest.json` in the office folder remembers the key of
each file written, so a night re-renders only what changed and a document's bytes depend on its
inputs alone (WeasyPrint writes no creation time unless asked: the same inputs give the same PDF).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, select_autoescape

from ..files import write_atomic
from ..publish.config import confined_file
from ..publish.qr import draw_qr
from ..publish.render import ConfinedLoader

__all__ = ["Document", "OfficeWriter", "safe_name", "PdfUnavailable"]

MANIFEST = ".manifest.json"
RUBRICS = Path(__file__).resolve().parents[1] / "rubrics"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing: HTML is still written."""


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG data URI (drawn by segno; no file, no network)."""
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(draw_qr(url, xmldecl=False).encode()).decode()


def cn_date(iso: str) -> str:
    """2026-11-09 -> 2026年11月9日, as certificates and letters print dates."""
    try:
        y, m, d = (int(x) for x in str(iso).split("-"))
    except ValueError:
        return str(iso)
    return f"{y}年{m}月{d}日"


def safe_name(text: str, most: int = 60) -> str:
    """A file name from an organisation's name: no path separators, control or reserved characters."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "", text)
    text = re.sub(r"\.{2,}", ".", text).strip(" .")
    return text[:most] or "未命名"


@dataclass
class Document:
    """One office document. `context` is its data, or a function that makes it: then `identity`
    stands for the data in the key (rows the registry never changes need not be read to know that
    their document is unchanged)."""

    path: str  # relative to the office folder, without suffix
    template: str
    context: dict | Callable[[], dict]
    pdf: bool = True
    html: bool = True
    identity: Any = None

    def key(self, salt: str) -> str:
        what = self.identity if callable(self.context) else self.context
        data = json.dumps([self.template, what, self.pdf, self.html], ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256((salt + data).encode()).hexdigest()

    def data(self) -> dict:
        return self.context() if callable(self.context) else self.context


@dataclass
class OfficeWriter:
    folder: Path
    template_dirs: list[Path]
    made: list[str] = field(default_factory=list)
    kept: int = 0
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.env = Environment(
            loader=ConfinedLoader([str(d) for d in self.template_dirs]),  # no link out of its folder followed, no pipe opened
            autoescape=select_autoescape(["html", "j2"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["cn_date"] = cn_date
        self.env.filters["qr"] = qr_data_uri
        self.manifest_path = self.folder / MANIFEST
        try:
            self.manifest: dict = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.manifest = {}
        self.salt = self._salt()

    def _salt(self) -> str:
        """What every document depends on besides its own data: the templates, the rubrics (their
        wording), the code that gathers the data, the WeasyPrint version."""
        h = hashlib.sha256()
        for d in self.template_dirs:
            for f in sorted(d.glob("*.j2")):
                if confined_file(f, os.path.realpath(d)):  # the templates the loader would use
                    h.update(f.name.encode() + f.read_bytes())
        for f in [*sorted(RUBRICS.glob("*.yaml")), Path(__file__).with_name("content.py")]:
            h.update(f.name.encode() + f.read_bytes())
        try:
            from importlib.metadata import version

            h.update(version("weasyprint").encode())
        except Exception:  # not installed: PDFs are reported missing anyway
            pass
        return h.hexdigest()

    def write_all(self, docs: list[Document], force: bool = False) -> None:
        """Render what changed; PDFs in parallel worker processes when there are several (WeasyPrint
        takes about a second a page of CJK text, nearly all of it on one core)."""
        pending = []
        for doc in docs:
            key = doc.key(self.salt)
            targets = [self.folder / f"{doc.path}.{ext}" for ext, on in (("html", doc.html), ("pdf", doc.pdf)) if on]
            if not force and self.manifest.get(doc.path) == key and all(t.is_file() for t in targets):
                self.kept += 1
            else:
                pending.append((doc, key, self.env.get_template(doc.template).render(**doc.data())))
        htmls = [html for doc, _, html in pending if doc.pdf]
        pdfs = iter(self.pdf_many(htmls))
        for doc, key, html in pending:
            target = self.folder / doc.path
            target.parent.mkdir(parents=True, exist_ok=True)
            if doc.html:
                write_atomic(target.with_name(target.name + ".html"), html.encode("utf-8"))
            if doc.pdf:
                pdf = next(pdfs)
                if pdf is None:
                    continue  # reported once; without a manifest entry the PDF is made when it can be
                write_atomic(target.with_name(target.name + ".pdf"), pdf)
            self.manifest[doc.path] = key
            self.made.append(doc.path)

    def pdf_many(self, htmls: list[str]) -> list[bytes | None]:
        if not htmls or not self._pdf_available():
            return [None] * len(htmls)
        workers = min(len(htmls), os.cpu_count() or 1, 4)
        if workers < 2:
            return [html_to_pdf(h) for h in htmls]
        from ..workers import worker_pool

        with worker_pool(workers) as pool:
            return list(pool.map(html_to_pdf, htmls))

    def _pdf_available(self) -> bool:
        try:
            import weasyprint  # noqa: F401
        except (ImportError, OSError) as exc:  # OSError: Pango not installed
            self.problems.append(f"无法生成 PDF（{exc}）：请安装 weasyprint 和 Debian 的 libpango-1.0-0、fonts-noto-cjk；HTML 版已生成")
            return False
        return True

    def documents(self) -> list[str]:
        """The documents the manifest records (paths without suffix)."""
        return [p for p in self.manifest if not p.startswith("_")]

    def files_present(self) -> bool:
        """Every recorded document still has its files (a deleted PDF is made again)."""
        names = {str(p.relative_to(self.folder)) for p in self.folder.rglob("*") if p.is_file()}
        return all(any(f"{d}.{ext}" in names for ext in ("pdf", "html")) for d in self.documents())

    def counts(self) -> dict[str, int]:
        """Documents per top folder (证书, 评估报告, 通知书, 异议答复)."""
        out: dict[str, int] = {}
        for d in self.documents():
            top = d.split("/", 1)[0]
            out[top] = out.get(top, 0) + 1
        return dict(sorted(out.items()))

    def save_manifest(self) -> None:
        write_atomic(self.manifest_path, json.dumps(self.manifest, ensure_ascii=False, sort_keys=True, indent=0).encode("utf-8"))

    def write_page(self, rel: str, html: str) -> None:
        """A page that is not a document (the dashboard): written when its text changed."""
        target = self.folder / rel
        data = html.encode("utf-8")
        if target.is_file() and target.read_bytes() == data:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)


def html_to_pdf(html: str) -> bytes:
    """One document's PDF. No base URL: a document embeds everything it shows (the QR code as a
    data URI), so nothing outside it, local or remote, is ever fetched."""
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols=["data"])).write_pdf()
