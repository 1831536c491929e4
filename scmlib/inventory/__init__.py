"""Inventory: ABC/XYZ and demand-class segmentation, health and SLOB, safety stock."""
