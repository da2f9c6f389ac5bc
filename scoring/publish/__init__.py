"""The public site: the registry's public view rendered into a static MkDocs Material site.

The stages live in `site` (render, build, check, swap) and `pages` (what each page shows); the
publish job that runs them in order is `scoring.jobs.publish`.
"""

from .site import PublishError, PublishResult, SiteConfig, load_site_config

__all__ = ["PublishResult", "PublishError", "SiteConfig", "load_site_config"]
