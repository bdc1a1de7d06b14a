"""Hatchling build hook: compile cleaner's C modules with the system C compiler at install time.

The modules (NATIVE) are optional speed-ups: each Python module that uses one keeps its own Python code as the
reference and falls back to it when the compiled module is absent, with the same answers, slower. So a
machine without a C compiler still installs (with a warning), and `CLEANER_NO_NATIVE=1` skips the build on
purpose (to run the Python code alone).

- `pip install -e .` (editable) builds each module next to its source, inside the package, where the editable
  install imports it from. A changed .c file needs the install again (it is not rebuilt on import).
- A wheel (`pip install .`, `python -m build`) gets the module built in a temporary folder, and its tag says
  which Python and platform it is for.

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

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: module name -> its C source, relative to the project root
NATIVE = {"cleaner.scorers._language_core": "cleaner/scorers/_language_core.c"}


def compile_module(source: Path, target: Path) -> None:
    """One C file into one extension module at `target` (raises CalledProcessError or OSError on failure)."""
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    if not shutil.which(compiler[0]):
        raise OSError(f"no C compiler ({compiler[0]}) on PATH")
    include = sysconfig.get_paths()["include"]
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [*compiler, "-O3", "-fPIC", "-shared", "-I", include, str(source), "-o", str(target), "-lm"]
    subprocess.run(command, check=True, capture_output=True, text=True)


class NativeBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if os.environ.get("CLEANER_NO_NATIVE"):
            self.app.display_warning("CLEANER_NO_NATIVE is set: cleaner's C modules are not built (Python code)")
            return
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        root = Path(self.root)
        out_dir = None if version == "editable" else Path(tempfile.mkdtemp(prefix="cleaner-native-"))
        for name, source in NATIVE.items():
            relative = Path(*name.split(".")).with_suffix("").as_posix() + suffix
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
