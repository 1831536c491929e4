"""Risk: register scoring, country risk, single sourcing, financial distress and exposure."""
