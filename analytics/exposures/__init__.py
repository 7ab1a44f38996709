"""Holdings-based factor exposures: bottom-up vs top-down (chapter section 13.8)."""

from analytics.exposures.holdings import Holdings, holdings_dataset, holdings_from_table, load_holdings

__all__ = ["Holdings", "holdings_dataset", "holdings_from_table", "load_holdings"]
