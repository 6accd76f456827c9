"""hpcspec: a declarative configuration compiler for research codes in containers on HPC systems.

The pipeline, one module per stage:
parse -> lower -> resolve -> validate -> plan -> emit -> write.
The stable entry points live in :mod:`hpcspec.api`.
"""

__version__ = "0.1.0"
