"""The shared core: building blocks every process area may import (areas never import each other).

``scmlib.core.files`` holds the safe-write primitives used by the data layer and the runner.
"""
