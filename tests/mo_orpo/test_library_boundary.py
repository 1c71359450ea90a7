"""`mo_orpo` is the training library: importing any of it never imports Ray."""

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import mo_orpo
for module in pkgutil.walk_packages(mo_orpo.__path__, "mo_orpo."):
    if module.name != "mo_orpo.cli.main":  # the CLI entry also registers the `study` group
        importlib.import_module(module.name)
print(sorted(m for m in sys.modules if m == "ray" or m.startswith("ray.")))
"""


def test_no_mo_orpo_module_imports_ray():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
