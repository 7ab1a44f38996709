"""Column names recognised by their spelling, shared by the readers (careful and typed) and the
loaders. They live below every reader so that a reader can name them without importing a loader."""

__all__ = ["DATE_NAMES", "ID_NAMES"]

#: Columns read as the date, by their lower-cased names.
DATE_NAMES = ("date", "dates", "datadate", "caldt", "month", "period", "yyyymm", "time")
#: Columns read as the id of a fund or stock, by their lower-cased names.
ID_NAMES = ("id", "permno", "ticker", "fund", "symbol", "stock", "asset")
