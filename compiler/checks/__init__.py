"""Semantic checks: each reads derived facts (facts.py) and reports; none changes anything, so
they run in any order.

- target checks: ``check(facts, code, report)`` for every target (the modules in TARGET_CHECKS),
  then each of the target's plug-ins' own ``check``;
- code checks: across the targets of one code (install prefixes);
- platform checks (platform.py): everything a platform refers to, whether or not a code uses it.
"""

from __future__ import annotations

from ..diagnostics import Report
from . import abi, environment, glibc, gpu, jobshape, launch, links, microarch

TARGET_CHECKS = (abi.check, glibc.check, microarch.check, jobshape.check, environment.check, launch.check,
                 links.check, gpu.check)


def check_target(facts, code, report: Report) -> None:
    for check in TARGET_CHECKS:
        check(facts, code, report)
    for plugin in (facts.scheduler, facts.launcher, facts.runtime):
        plugin.check(facts, report)
