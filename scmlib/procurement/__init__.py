"""Procurement: spend analysis and savings identification."""
