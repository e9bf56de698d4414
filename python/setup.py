"""Builds ldb._ldb with CMake (the repository is the parent of this folder)
and installs the ldb package. Offline: nothing is downloaded; pybind11,
CMake and a C++ compiler come from Debian (scripts/install-deps.sh).

    /usr/bin/python3 -m venv --system-site-packages V
    V/bin/pip install --no-build-isolation --no-index ./python

Environment:
  LDB_CMAKE_BUILD_DIR   an already configured build folder of the repository
                        (for the Python that installs): the module is built
                        there (target ldb_python) instead of in a fresh
                        Release build, which reuses what it has compiled.
  CMAKE_BUILD_PARALLEL_LEVEL  compile jobs (default: one per core).
  CMAKE_CXX_COMPILER_LAUNCHER (e.g. ccache) and CMAKE_GENERATOR are read by
                        CMake itself when it configures a fresh folder.
"""

import glob
import os
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(cmd):
    print("+ " + " ".join(cmd), flush=True)
    subprocess.check_call(cmd)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("LDB_CMAKE_BUILD_DIR")
        if build_dir:
            # pip runs this in python/: a relative folder is taken from the
            # repository root (LDB_CMAKE_BUILD_DIR=build, as the README says),
            # else from here.
            given = build_dir
            candidates = [build_dir] if os.path.isabs(build_dir) else [os.path.join(REPO, build_dir), build_dir]
            build_dir = next((os.path.abspath(c) for c in candidates
                              if os.path.isfile(os.path.join(c, "CMakeCache.txt"))), None)
            if build_dir is None:
                sys.exit(f"LDB_CMAKE_BUILD_DIR={given} is not a configured CMake build folder "
                         f"(looked in {', '.join(os.path.abspath(c) for c in candidates)}); "
                         "hint: configure one with ./scripts/build.sh BUILD, or leave LDB_CMAKE_BUILD_DIR unset")
        else:
            build_dir = os.path.join(os.path.abspath(self.build_temp), "cmake")
            configure = ["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release", "-DLDB_BUILD_TESTS=OFF",
                         "-DLDB_BUILD_PYTHON=ON", f"-DPython3_EXECUTABLE={sys.executable}"]
            if "CMAKE_GENERATOR" not in os.environ and shutil.which("ninja"):
                configure += ["-G", "Ninja"]
            run(configure)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        run(["cmake", "--build", build_dir, "--target", "ldb_python", "-j", jobs])
        # The module is named for the Python it was built for: one built
        # for another (a reused build folder) would not import.
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        built = os.path.join(build_dir, "python", "ldb", "_ldb" + suffix)
        if not os.path.isfile(built):
            found = glob.glob(os.path.join(build_dir, "python", "ldb", "_ldb*.so"))
            sys.exit(f"{built} was not built" +
                     (f"; {found[0]} is there, for another Python: configure {build_dir} with "
                      f"-DPython3_EXECUTABLE={sys.executable}" if found else ""))
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built, target)


setup(ext_modules=[Extension("ldb._ldb", sources=[])], cmdclass={"build_ext": CMakeBuild})
