"""Reports rendered with Qt: a :class:`~analytics.reports.Tearsheet` to PDF or self-contained HTML."""

from gui.reports.export import REPORT_SUFFIXES, export_report, report_target, write_job

__all__ = ["REPORT_SUFFIXES", "export_report", "report_target", "write_job"]
