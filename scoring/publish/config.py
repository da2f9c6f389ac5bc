"""What decides the site's bytes: mkdocs.yml and the instance's settings (`SiteConfig`), the package's
site files (`ROOT`), the fingerprints of the code, the libraries and a folder, and the digest of the
public view (`site_state`: equal digests, equal sites)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from ..errors import Problem
from ..inputs.files import walk
from ..inputs.instance import Instance
from ..registry import PublicView
from ..registry.public import plain
from ..registry.rounds import days_left
from ..workdays import Calendar

__all__ = ["ROOT", "SiteConfig", "load_site_config", "code_fingerprint", "library_versions", "tree_digest", "site_state", "copy_assets"]


def _site_files() -> Path:
    """Where mkdocs.yml, templates/ and site/ are: inside an installed wheel (`scoring/_site`,
    see setup.py), else the source checkout the package runs from."""
    packaged = Path(__file__).resolve().parents[1] / "_site"
    return packaged if (packaged / "mkdocs.yml").is_file() else Path(__file__).resolve().parents[2]


ROOT = _site_files()


@dataclass(frozen=True)
class SiteConfig:
    """mkdocs.yml read once, with the folders the site is made from and the instance's own settings
    (scoring.toml: title, site_url, the issuer) and overrides folder laid over them."""

    root: Path
    mkdocs: dict
    site_url: str  # always ends with "/"
    issuer: dict = field(default_factory=dict)  # issuer, address, phone, email, icp (public)
    overrides: Path | None = None  # the instance's theme/, templates/, assets/ (each optional)
    schemes: tuple[str, ...] = ()  # the schemes the site shows (empty: all)

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def template_dirs(self) -> list[Path]:
        """Page templates: the instance's own first (not when overrides/templates is a link out of
        overrides/: reported by copy_assets), then the package's."""
        own = self.overrides / "templates" if self.overrides else None
        mine = own is not None and own.is_dir() and not _outside(own, os.path.realpath(own.parent))
        return ([own] if own is not None and mine else []) + [self.templates]

    @property
    def pages(self) -> Path:
        return self.root / "site"

    def fingerprint(self) -> str:
        """What besides the package and the registry decides the site: settings and overrides."""
        h = hashlib.sha256(json.dumps([self.mkdocs, self.site_url, self.issuer, self.schemes], sort_keys=True, ensure_ascii=False).encode())
        if self.overrides and self.overrides.is_dir():
            h.update(tree_digest(self.overrides).encode())
        return h.hexdigest()


def load_site_config(root: Path = ROOT, instance: Instance | None = None) -> SiteConfig:
    """The package's mkdocs.yml, with the instance's title, site_url and issuer when there is one."""
    cfg = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    issuer: dict = {}
    overrides = None
    schemes: tuple[str, ...] = ()
    if instance is not None:
        schemes = instance.schemes
        site = instance.site
        if site.get("title"):
            cfg["site_name"] = site["title"]
        if site.get("site_url"):
            cfg["site_url"] = site["site_url"]
        issuer = dict(instance.issuer)
        cfg.setdefault("extra", {})["issuer"] = issuer
        overrides = instance.path("overrides")
    return SiteConfig(root, cfg, str(cfg["site_url"]).rstrip("/") + "/", issuer, overrides, schemes)


def code_fingerprint(root: Path) -> str:
    """Everything besides the registry that decides what the site looks like."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    files = [
        root / "mkdocs.yml",
        *sorted((root / "templates").rglob("*")),
        *sorted((root / "site").rglob("*")),
        *sorted(package.rglob("*.py")),
        *sorted(package.rglob("*.yaml")),
    ]
    for f in files:
        if f.is_file():
            h.update(str(f.relative_to(root) if root in f.parents else f.name).encode())
            h.update(f.read_bytes())
    h.update(json.dumps(library_versions()).encode())
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """The libraries whose upgrade changes the site's bytes."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("mkdocs", "mkdocs-material", "jinja2", "markdown", "pymdown-extensions", "pagefind", "segno", "jieba"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = ""
    return found


def tree_digest(folder: Path) -> str:
    """Every file under `folder`, by path and bytes. A link out of `folder` counts by where it
    points (its target is never read), a pipe or device not at all (reading one could block)."""
    h = hashlib.sha256()
    root = os.path.realpath(folder)
    for dirpath, _, filenames in walk(folder):
        for name in filenames:
            f = Path(dirpath) / name
            rel = str(f.relative_to(folder)).encode()
            if _outside(f, root):
                data = b"link:" + os.fsencode(os.readlink(f)) if f.is_symlink() else b"outside"
            elif not f.is_file():
                continue
            else:
                data = f.read_bytes()
            h.update(len(rel).to_bytes(8, "little") + rel + len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def _outside(path: Path, root: str) -> bool:
    """`path` (or a link on its way) leads out of the folder whose real path is `root`."""
    real = os.path.realpath(path)
    return real != root and not real.startswith(root.rstrip(os.sep) + os.sep)


LINK_OUTSIDE = "是指向 overrides 目录之外的链接，未使用（未复制到网站）；请把文件本身（而不是链接）放在 overrides/ 中"
NOT_A_FILE = "不是普通文件（可能是管道、设备或失效的链接），未使用（未复制到网站）"
OVERRIDE_PARTS = ("assets", "theme", "templates")


def copy_overrides(overrides: Path | None, part: str, target: Path | None) -> list[Problem]:
    """`overrides/<part>` copied over `target` (None: only looked at). A link leading out of
    `overrides/` (to /etc/passwd, say) is never followed: it would publish its target; it and
    anything that is neither a regular file nor a folder (a pipe would block the copy) are
    reported and passed over."""
    if overrides is None or not (overrides / part).is_dir():
        return []
    source = overrides / part
    root = os.path.realpath(overrides)
    problems: list[Problem] = []

    def refuse(path: Path, code: str, why: str) -> None:
        shown = "overrides/" + str(path.relative_to(overrides))
        problems.append(Problem(code, why, shown))

    if _outside(source, root):
        refuse(source, "link_outside", LINK_OUTSIDE)
        return problems
    seen = {os.path.realpath(source)}
    for dirpath, dirnames, filenames in walk(source, followlinks=True):
        here = Path(dirpath)
        for name in list(dirnames):
            d = here / name
            real = os.path.realpath(d)
            if _outside(d, root):
                refuse(d, "link_outside", LINK_OUTSIDE)
                dirnames.remove(name)
            elif real in seen:  # a link back up the tree: each folder once
                dirnames.remove(name)
            else:
                seen.add(real)
        dest = None if target is None else target / here.relative_to(source)
        if dest is not None:
            dest.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            f = here / name
            if _outside(f, root):
                refuse(f, "link_outside", LINK_OUTSIDE)
                continue
            if not confined_file(f, root):
                refuse(f, "file_unreadable", NOT_A_FILE)
                continue
            if dest is not None:
                shutil.copy2(f, dest / name)
    return problems


def confined_file(path: Path | str, root: str) -> bool:
    """`path` is a regular file (links followed) inside the folder whose real path is `root`."""
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
    return regular and not _outside(Path(path), root)


def copy_assets(config: SiteConfig, target: Path) -> list[Problem]:
    """The instance's `overrides/assets` copied over the package's assets in `target`; and what of
    all of `overrides/` (its theme/ and templates/ too, which the build reads) is passed over."""
    problems = copy_overrides(config.overrides, "assets", target)
    for part in OVERRIDE_PARTS[1:]:
        problems += copy_overrides(config.overrides, part, None)
    return problems


def site_state(view: PublicView, cal: Calendar, base: str) -> str:
    """A digest of everything the site shows on the view's day: equal digests, equal sites. `base`:
    the code's and settings' fingerprint (`code_fingerprint` + `SiteConfig.fingerprint`)."""
    today = date.fromisoformat(view.today)
    h = hashlib.sha256(base.encode())
    for rows in (view.certificates, view.results, view.notices, view.renewals, view.draws):
        h.update(json.dumps(plain(rows), sort_keys=True, ensure_ascii=False, default=str).encode())
    for rd in view.countdown_rounds:
        h.update(f"{rd.id}:{days_left(rd, today, cal)}".encode())  # the 公示 countdown
    h.update(str(view.updated).encode())
    return h.hexdigest()
