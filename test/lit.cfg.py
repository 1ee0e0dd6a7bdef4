# -*- Python -*-
# lit configuration for patc's regression tests.
import os

import lit.formats

config.name = "patc"
config.test_format = lit.formats.ShTest(not lit.util.which("bash"))
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.patc_obj_root, "test")
config.excludes = ["e2e", "unit", "models", "lit.cfg.py", "CMakeLists.txt"]

config.environment["PATH"] = os.pathsep.join(
    [config.patc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
for var in ["HOME", "PATC_CC", "CCACHE_DIR", "TMPDIR"]:
    if var in os.environ:
        config.environment[var] = os.environ[var]

# The tests' PATH, for RUN lines that put a stand-in program in front of it.
config.substitutions.append(("%path", config.environment["PATH"]))
config.substitutions.append(("%python", config.python_with_onnx))
config.substitutions.append(("%bindir", config.patc_tools_dir))
config.substitutions.append(("%bench", os.path.join(os.path.dirname(config.test_source_root),
                                                    "bench")))
config.substitutions.append(("%fixtures", os.path.join(config.test_source_root,
                                                       "Import", "make_fixtures.py")))
