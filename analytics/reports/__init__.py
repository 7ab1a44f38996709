"""Reports a portfolio manager can send: fund profile, peer table, style drift, tearsheet model.

Pure Python over the result objects of :mod:`analytics.regression` and
:mod:`analytics.exposures`; ``gui.reports`` renders a :class:`Tearsheet` to PDF and HTML.
"""

from analytics.reports.compose import report_datasets, tearsheet_job, tearsheet_of
from analytics.reports.drift import DEFAULT_THRESHOLD, StyleDrift, style_drift
from analytics.reports.peers import IR_DEFINITION, RANKINGS, information_ratio, peer_table
from analytics.reports.profile import FundProfile, Sentence, fund_profile
from analytics.reports.tearsheet import RunBlock, Tearsheet, build_tearsheet, run_block

__all__ = [
    "DEFAULT_THRESHOLD",
    "IR_DEFINITION",
    "RANKINGS",
    "FundProfile",
    "RunBlock",
    "Sentence",
    "StyleDrift",
    "Tearsheet",
    "build_tearsheet",
    "fund_profile",
    "information_ratio",
    "peer_table",
    "report_datasets",
    "run_block",
    "style_drift",
    "tearsheet_job",
    "tearsheet_of",
]
