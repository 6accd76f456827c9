"""The hpcspec grammar (``hpcspec.lark``), loaded by :mod:`hpcspec.parse`."""
