"""Cross-area processes: the layer above the process areas.

Processes such as sales and operations planning, supplier selection or cost-to-serve combine
several areas (a demand plan with supply capacity, a scorecard with spend and risk). Their
logic lives here, importing the areas and :mod:`scmlib.core`; the areas never import this
layer, and they never import each other (both enforced by import-linter, see pyproject.toml).
"""
