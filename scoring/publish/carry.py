"""Carrying unchanged output over from the live build: a night costs what changed.

Every file a build makes is recorded with a key: a digest of everything that decided its bytes
(the code, the settings and the page's own data). The next build hard-links each file whose key is
unchanged from the live build instead of making it again, and writes what changed as new files —
never into a linked one, whose inode the live site shares. What one tool makes in one go (MkDocs'
hub pages and theme, Pagefind's index) is a *group*: carried over whole when its key is unchanged,
else made whole by the tool. The keys live in the manifest beside the builds (`layout`), and name
the build they describe: a manifest of any other build is ignored (a full build).

The build the swap replaced is kept as the *spare* (`layout.retire`, described by its manifest)
and becomes the next build's folder (`layout.take_spare`): a file whose key is unchanged since the spare was
live stays as it is, the rest is replaced, what the new build lacks is removed. A night then costs
file operations for what changed, not a new tree of every page's folder and the removal of the old.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .layout import live_build, read_manifest, take_spare

__all__ = ["Carry", "digest", "load_carry", "walk_files", "write_new"]


def digest(*parts: str | bytes) -> str:
    """A short, collision-safe key of its parts (length-prefixed, so parts cannot run together)."""
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little") + b)
    return h.hexdigest()[:40]


@dataclass
class Carry:
    """One build's view of the live build it may carry files over from, and of the spare build it
    is made in."""

    previous: Path | None = None  # the live build's folder (None: make everything)
    old: dict = field(default_factory=dict)  # its manifest
    spare: dict = field(default_factory=dict)  # the spare build's manifest, when this build is made in it
    present: set[str] = field(default_factory=set)  # the files the spare build had
    files: dict[str, str] = field(default_factory=dict)  # this build's files and keys
    groups: dict[str, dict] = field(default_factory=dict)
    linked: int = 0  # files carried over (kept from the spare or linked from the live build)
    written: set[str] = field(default_factory=set)  # files not as the live build had them (the link check reads these)

    def put(self, site: Path, rel: str, key: str | None, make: Callable[[], str | bytes]) -> None:
        """`rel` in the new build: kept from the spare or linked from the live build when its key is
        unchanged, else made. Without a key the file is made first and keyed by its own bytes."""
        data = None
        if key is None:
            data = make()
            key = digest(data)
        self.files[rel] = key
        live_key = self.old.get("files", {}).get(rel) if self.previous is not None else None
        if self.spare.get("files", {}).get(rel) == key and rel in self.present:
            self.linked += 1
            if live_key != key:
                self.written.add(rel)
            return
        if live_key == key and self._link(site, rel):
            return
        write_new(site / rel, make() if data is None else data)
        self.written.add(rel)

    def _link(self, site: Path, rel: str) -> bool:
        assert self.previous is not None
        target = site / rel
        if rel in self.present:  # the spare's own file goes (unlinked: never written into)
            target.unlink(missing_ok=True)
            self.present.discard(rel)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.previous / rel, target)
        except OSError:  # gone from the live build, or another file system: made again instead
            return False
        self.linked += 1
        return True

    def old_group(self, name: str, key: str) -> dict | None:
        """The live build's group `name` when it was made from the same key."""
        group = self.old.get("groups", {}).get(name)
        return group if self.previous is not None and group and group.get("key") == key else None

    def link_group(self, site: Path, name: str, key: str) -> dict | None:
        """Every file of an unchanged group kept from the spare or linked from the live build; None
        when the group changed or a file of it is missing (the tool then makes it again)."""
        kept = self.spare.get("groups", {}).get(name)
        if kept and kept.get("key") == key and all(rel in self.present for rel in kept["files"]):
            self.linked += len(kept["files"])
            if self.old_group(name, key) is None:
                self.written.update(kept["files"])
            self.groups[name] = kept
            return kept
        group = self.old_group(name, key)
        if group is None:
            return None
        done: list[str] = []
        for rel in group["files"]:
            if not self._link(site, rel):
                for r in done:
                    (site / r).unlink()
                self.linked -= len(done)
                return None
            done.append(rel)
        self.groups[name] = group
        return group

    def record_group(self, name: str, key: str, files: Iterable[str], **extra) -> None:
        files = sorted(files)
        self.groups[name] = {"key": key, "files": files, **extra}
        self.written.update(files)

    def manifest(self, build: str) -> dict:
        return {"build": build, "files": self.files, "groups": self.groups}

    def adopt_spare(self, out: Path, site: Path) -> None:
        """Make this build in the spare build (moved to `site`) when there is one and it is
        described; else start from an empty folder."""
        spare = take_spare(out, site) if self.previous is not None else None
        if spare is not None:
            self.spare = spare
            self.present = set(walk_files(site))
        else:
            site.mkdir(parents=True, exist_ok=True)

    def sweep(self, site: Path, keep_under: str | None = None) -> None:
        """Remove what the spare had and this build does not (a page gone, an old theme file), but
        not under `keep_under` (a group still to be made)."""
        expected = self.listing()
        gone = [rel for rel in self.present if rel not in expected and not (keep_under and rel.startswith(keep_under))]
        for rel in gone:
            (site / rel).unlink(missing_ok=True)
            self.present.discard(rel)
            parent = os.path.dirname(rel)
            while parent:  # a page's folder left empty goes with it
                try:
                    os.rmdir(site / parent)
                except OSError:
                    break
                parent = os.path.dirname(parent)

    def listing(self) -> set[str]:
        """Every file of this build: its own and its groups'."""
        found = set(self.files)
        for group in self.groups.values():
            found.update(group["files"])
        return found

    def superset(self) -> bool:
        """Nothing the live build had is missing: its pages' links still find their targets. (The
        search index is no page's target: its files are named by their content and replaced whole.)"""
        if self.previous is None:
            return False

        def linkable(files: dict, groups: dict) -> set[str]:
            found = set(files)
            for name, g in groups.items():
                if not name.startswith("search"):
                    found.update(g["files"])
            return found

        return linkable(self.old.get("files", {}), self.old.get("groups", {})) <= linkable(self.files, self.groups)


def walk_files(top: Path, sub: str = "") -> list[str]:
    """Every file below `top` (or its folder `sub`), relative to `top`, by string operations."""
    root = str(top)
    cut = len(root) + 1
    found = []
    for d, _, names in os.walk(os.path.join(root, sub) if sub else root):
        prefix = d[cut:] + "/" if len(d) > len(root) else ""
        found += [prefix + name for name in names]
    return found


def write_new(path: Path, data: str | bytes) -> None:
    """A new file (a linked one is unlinked first: writing into it would change the live site)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def load_carry(out: Path, enabled: bool = True) -> Carry:
    """What may be carried over from the build `out` points at; nothing when disabled (--force), when
    there is no live build or when the manifest describes another build (a run killed after its swap)."""
    live = live_build(out) if enabled else None
    if live is None:
        return Carry()
    old = read_manifest(out)
    if old is None or old.get("build") != live.name or not live.is_dir():
        return Carry()
    return Carry(previous=live, old=old)
