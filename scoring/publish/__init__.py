"""The public site: the registry's public view rendered into a static MkDocs Material site.

One module per job: `config` (settings, fingerprints, the state digest), `pages` (what each page
shows), `render` (Jinja2, feeds), `mkdocs_build` (MkDocs Material), `detail` (detail pages),
`search` (Pagefind), `check` (the link check), `carry` (what is carried over from the live build)
and `layout` (the files beside --out: builds, spare, manifest, state, lock, the swap). The publish
job that runs them in order is `scoring.jobs.publish`.
"""

from .config import SiteConfig, load_site_config
from .outcome import PublishError, PublishResult

__all__ = ["PublishResult", "PublishError", "SiteConfig", "load_site_config"]
