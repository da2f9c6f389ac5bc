"""Carrying unchanged output over from the live build: a night costs what changed.

Every file a build makes is recorded with a key: a digest of everything that decided its bytes
(the code, the settings and the page's own data). The next build hard-links each file whose key is
unchanged from the live build instead of making it again, and writes what changed as new files —
never into a linked one, whose inode the live site shares. What one tool makes in one go (MkDocs'
hub pages and theme, Pagefind's index) is a *group*: carried over whole when its key is unchanged,
else made whole by the tool. The keys live in `.<out>.builds/manifest.json`, next to the state
file, and name the build they describe: a manifest of any other build is ignored (a full build).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Carry", "digest", "load_carry", "save_manifest"]

MANIFEST = "manifest.json"


def digest(*parts: str | bytes) -> str:
    """A short, collision-safe key of its parts (length-prefixed, so parts cannot run together)."""
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little") + b)
    return h.hexdigest()[:40]


@dataclass
class Carry:
    """One build's view of the live build it may carry files over from."""

    previous: Path | None = None  # the live build's folder (None: make everything)
    old: dict = field(default_factory=dict)  # its manifest
    files: dict[str, str] = field(default_factory=dict)  # this build's files and keys
    groups: dict[str, dict] = field(default_factory=dict)
    linked: int = 0
    written: set[str] = field(default_factory=set)  # files made anew (the link check reads these)

    def put(self, site: Path, rel: str, key: str | None, make: Callable[[], str | bytes]) -> None:
        """`rel` in the new build: linked from the live build when its key is unchanged, else made.
        Without a key the file is made first and keyed by its own bytes."""
        data = None
        if key is None:
            data = make()
            key = digest(data)
        self.files[rel] = key
        if self.previous is not None and self.old.get("files", {}).get(rel) == key and self._link(site, rel):
            return
        write_new(site / rel, make() if data is None else data)
        self.written.add(rel)

    def _link(self, site: Path, rel: str) -> bool:
        assert self.previous is not None
        target = site / rel
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
        """Every file of an unchanged group linked into `site`; None (and nothing left behind) when
        the group changed or a file of it is missing."""
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

    def superset(self) -> bool:
        """Nothing the live build had is missing: its pages' links still find their targets. (The
        search index is no page's target: its files are named by their content and replaced whole.)"""
        if self.previous is None:
            return False

        def linkable(files: dict, groups: dict) -> set[str]:
            found = set(files)
            for name, g in groups.items():
                if name != "search":
                    found.update(g["files"])
            return found

        return linkable(self.old.get("files", {}), self.old.get("groups", {})) <= linkable(self.files, self.groups)


def write_new(path: Path, data: str | bytes) -> None:
    """A new file (a linked one is unlinked first: writing into it would change the live site)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def manifest_file(out: Path) -> Path:
    return out.parent / f".{out.name}.builds" / MANIFEST


def load_carry(out: Path, enabled: bool = True) -> Carry:
    """What may be carried over from the build `out` points at; nothing when disabled (--force), when
    there is no live build or when the manifest describes another build (a run killed after its swap)."""
    if not enabled or not out.is_symlink():
        return Carry()
    live = (out.parent / os.readlink(out)).resolve()
    try:
        old = json.loads(manifest_file(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Carry()
    if not isinstance(old, dict) or old.get("build") != live.name or not live.is_dir():
        return Carry()
    return Carry(previous=live, old=old)


def save_manifest(out: Path, carry: Carry, build: str) -> None:
    """Written atomically after the swap, naming the build it describes."""
    path = manifest_file(out)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(carry.manifest(build), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)
