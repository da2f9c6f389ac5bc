"""Publishing: the registry rendered into a static MkDocs Material site, swapped in atomically."""
from .site import PublishError, PublishResult, publish

__all__ = ["publish", "PublishResult", "PublishError"]
