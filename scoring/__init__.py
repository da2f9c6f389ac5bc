"""Capability assessments of pollution-control operation organisations: rubrics, workbooks, scorer."""

__version__ = "0.5.0"
