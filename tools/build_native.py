"""Hatchling build hook: compile cleaner's C modules with the system C compiler at install time.

The modules (NATIVE) are optional speed-ups: each Python module that uses one keeps its own Python code as the
reference and falls back to it when the compiled module is absent, with the same answers, slower. So a
machine without a C compiler still installs (with a warning), and `CLEANER_NO_NATIVE=1` skips the build on
purpose (to run the Python code alone).

- `pip install -e .` (editable) builds each module next to its source, inside the package, where the editable
  install imports it from. A changed .c file needs the install again (it is not rebuilt on import).
- A wheel (`pip install .`, `python -m build`) gets the module built in a temporary folder, and its tag says
  which Python and platform it is for.
- `python tools/build_native.py [MODULE ...]` builds them in place, as the editable install does (after editing a
  .c file: no reinstall needed).

The hook calls the compiler directly (the interpreter's own CC, include folder and extension suffix from
sysconfig; the Python C API only, no numpy headers), so the build needs nothing but a C compiler.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script (python tools/build_native.py), outside a build
    BuildHookInterface = object  # type: ignore[assignment,misc]

ROOT = Path(__file__).resolve().parents[1]
#: module name -> its C source, relative to the project root
NATIVE = {
    "cleaner.scorers._language_core": "cleaner/scorers/_language_core.c",
    "cleaner.scorers._mt_core": "cleaner/scorers/_mt_core.c",
    "cleaner.scorers._readability_core": "cleaner/scorers/_readability_core.c",
    "cleaner._terms_core": "cleaner/_terms_core.c",
    "cleaner._features_core": "cleaner/_features_core.c",
    "cleaner._trees_core": "cleaner/_trees_core.c",
    "cleaner._text_core": "cleaner/_text_core.c",
    "cleaner._records_core": "cleaner/_records_core.c",
}


def module_path(name: str) -> str:
    """Where module `name` is built, relative to the project root (or to a wheel's root)."""
    return Path(*name.split(".")).as_posix() + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")


def compile_module(source: Path, target: Path) -> None:
    """One C file into one extension module at `target` (raises CalledProcessError or OSError on failure)."""
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    if not shutil.which(compiler[0]):
        raise OSError(f"no C compiler ({compiler[0]}) on PATH")
    include = sysconfig.get_paths()["include"]
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [*compiler, "-O3", "-fPIC", "-shared", "-I", include, str(source), "-o", str(target), "-lm"]
    subprocess.run(command, check=True, capture_output=True, text=True)


class NativeBuildHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if os.environ.get("CLEANER_NO_NATIVE"):
            self.app.display_warning("CLEANER_NO_NATIVE is set: cleaner's C modules are not built (Python code)")
            return
        root = Path(self.root)
        out_dir = None if version == "editable" else Path(tempfile.mkdtemp(prefix="cleaner-native-"))
        for name, source in NATIVE.items():
            relative = module_path(name)
            target = (root if out_dir is None else out_dir) / relative
            try:
                compile_module(root / source, target)
            except (subprocess.CalledProcessError, OSError) as error:
                detail = getattr(error, "stderr", "") or str(error)
                self.app.display_warning(f"{name} not built, its Python code runs instead (slower): {detail}")
                continue
            if out_dir is not None:
                build_data["force_include"][str(target)] = relative
                build_data["pure_python"] = False
                build_data["infer_tag"] = True


if __name__ == "__main__":
    import sys

    for module in sys.argv[1:] or list(NATIVE):
        compile_module(ROOT / NATIVE[module], ROOT / module_path(module))
        print(f"built {module_path(module)}")
