"""Analytics: the SCOR-aligned KPI dashboard."""
