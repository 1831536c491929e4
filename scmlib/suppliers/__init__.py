"""Supplier management: performance scorecards, trends and corrective actions."""
