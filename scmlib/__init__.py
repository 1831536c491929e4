"""scmlib: the tested logic behind the scm-notebooks supply-chain analytics suite.

The package is organised like the process catalogue: one sub-package per supply-chain
area (``planning``, ``procurement``, ``inventory``, ``suppliers``, ``risk``,
``analytics``) plus the shared layers ``data`` (canonical tables, loaders, validation,
demo company), ``reporting`` (the suite's report style) and ``runner`` (papermill runs,
HTML export, the report index).
"""

__version__ = "0.1.0"

from scmlib.errors import DataError, ParameterError, ScmError  # noqa: E402

__all__ = ["__version__", "ScmError", "DataError", "ParameterError"]
