"""Load a module of ``scripts/`` (not a package) by name, once: the one loader the tests use."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.support.seeds import PROJECT


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as module ``name``, registered in ``sys.modules`` so every caller
    (and pickling by module name, e.g. in subprocesses and dataclasses) shares one instance."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PROJECT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def fault_scenarios() -> ModuleType:
    """scripts/fault_scenarios.py: the fault and bad-input scenarios shared with the script."""
    return load_script("fault_scenarios")
