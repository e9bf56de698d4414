"""Installing the package the way the README says, offline:

    /usr/bin/python3 -m venv --system-site-packages V
    V/bin/pip install --no-build-isolation --no-index ./python

with LDB_CMAKE_BUILD_DIR naming the build folder (the module is built there,
not from scratch), then `import ldb` from outside the repository.
scripts/test-python.sh installs into a venv itself and names it in
$LDB_PYTHON_VENV: then only the import is checked here.
"""

import os
import subprocess
import sysconfig

import pytest

from conftest import REPO

DEBIAN_PYTHON = "/usr/bin/python3"


def build_dir():
    """The build folder ldb was built in (ctest: PYTHONPATH=BUILD/python)."""
    if os.environ.get("LDB_CMAKE_BUILD_DIR"):
        return os.environ["LDB_CMAKE_BUILD_DIR"]
    import ldb
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(ldb._ldb.__file__))))
    if not os.path.isfile(os.path.join(build, "CMakeCache.txt")):
        pytest.skip(f"ldb is imported from {ldb.__file__}, not from a build folder: set LDB_CMAKE_BUILD_DIR")
    return build


def check_import(python, cwd):
    probe = ("import ldb, ldb._ldb, sys; "
             "print(ldb.__file__); print(ldb._ldb.__file__); print(len(ldb.FILTERS))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([python, "-c", probe], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    package, module, filters = out.stdout.split("\n")[:3]
    return package, module, int(filters)


def test_pip_install_and_import_from_outside_the_repository(tmp_path):
    venv = os.environ.get("LDB_PYTHON_VENV")
    if not venv:
        if not os.access(DEBIAN_PYTHON, os.X_OK):
            pytest.skip(f"{DEBIAN_PYTHON} (Debian's python3) is not installed")
        venv = str(tmp_path / "venv")
        subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--system-site-packages", venv], check=True, timeout=120)
        env = dict(os.environ, LDB_CMAKE_BUILD_DIR=build_dir(), PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.pop("PYTHONPATH", None)
        install = subprocess.run(
            [os.path.join(venv, "bin", "pip"), "install", "--no-build-isolation", "--no-index",
             os.path.join(REPO, "python")], env=env, capture_output=True, text=True, timeout=1800)
        assert install.returncode == 0, install.stdout + install.stderr
    python = os.path.join(venv, "bin", "python")
    package, module, filters = check_import(python, str(tmp_path))
    site = os.path.realpath(venv)
    assert os.path.realpath(package).startswith(site), package
    assert os.path.realpath(module).startswith(site), module
    assert module.endswith("_ldb" + sysconfig.get_config_var("EXT_SUFFIX"))
    assert filters > 10


def test_a_build_folder_that_is_not_one_is_refused_naming_where_it_looked(tmp_path):
    if not os.access(DEBIAN_PYTHON, os.X_OK):
        pytest.skip(f"{DEBIAN_PYTHON} (Debian's python3) is not installed")
    venv = str(tmp_path / "venv")
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--system-site-packages", venv], check=True, timeout=120)
    env = dict(os.environ, LDB_CMAKE_BUILD_DIR="no-such-build", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    install = subprocess.run(
        [os.path.join(venv, "bin", "pip"), "install", "--no-build-isolation", "--no-index",
         os.path.join(REPO, "python")], env=env, capture_output=True, text=True, timeout=600)
    assert install.returncode != 0
    said = install.stdout + install.stderr
    assert "LDB_CMAKE_BUILD_DIR=no-such-build is not a configured CMake build folder" in said, said
    assert os.path.join(REPO, "no-such-build") in said and "hint:" in said, said
    assert not os.path.exists(os.path.join(venv, "lib", "python3.11", "site-packages", "ldb")), "installed anyway"
