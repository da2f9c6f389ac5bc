"""The registry: SQLite memory of organisations, rounds, results, notices and certificates.

It receives collected inputs and results (`record`) and answers queries; it never opens a workbook
and imports nothing from `scoring.excel`, `scoring.pipeline`, `scoring.publish` or `scoring.jobs`.
"""

from .db import RegistryBusy, RegistryDateError, open_registry
from .ingest import Report, draw_sample, record, unread_files
from .opendata import export_open_data
from .queries import (
    PublicView,
    certificates,
    draws,
    organisation_histories,
    organisation_history,
    public_view,
    published_notices,
    published_results,
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
]
