"""The registry: SQLite memory of organisations, rounds, results, notices and certificates.

It receives collected inputs and results (`record`) and answers queries; it never opens a workbook
and imports nothing from `scoring.excel`, `scoring.pipeline`, `scoring.publish` or `scoring.jobs`.
"""

from .bookkeeping import BackupFailed, backup_registry, cache_qr_codes, cached_qr_codes, known_hashes, registry_identity, save_hashes
from .db import RegistryBusy, RegistryDateError, open_registry
from .ingest import Report, draw_sample, record, unread_files
from .opendata import export_open_data
from .public import published_fields
from .queries import (
    PublicView,
    certificates,
    closed_rounds,
    draws,
    find_organisations,
    organisation_histories,
    organisation_history,
    public_view,
    published_notices,
    published_results,
    published_rounds,
    renewals_due,
)
from .verify import RegistryTampered, verify

__all__ = [
    "open_registry",
    "RegistryBusy",
    "RegistryDateError",
    "verify",
    "RegistryTampered",
    "record",
    "unread_files",
    "Report",
    "draw_sample",
    "export_open_data",
    "certificates",
    "published_results",
    "published_notices",
    "organisation_history",
    "organisation_histories",
    "renewals_due",
    "draws",
    "PublicView",
    "public_view",
    "published_rounds",
    "published_fields",
    "closed_rounds",
    "find_organisations",
    "known_hashes",
    "save_hashes",
    "cached_qr_codes",
    "cache_qr_codes",
    "backup_registry",
    "BackupFailed",
    "registry_identity",
]
