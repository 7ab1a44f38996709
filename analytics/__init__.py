"""FactorDesk analytics: pure Python (numpy, pandas, statsmodels), no Qt.

Everything the GUI and the command line compute lives here. Functions take data and return
immutable result objects; only :mod:`analytics.data` touches files or the network.
"""
