# `cpack -G DEB` (run in the build folder, after a full build): a Debian
# package of what cmake/install.cmake installs, under /usr. Its Depends are
# computed by dpkg-shlibdeps (dpkg-dev) from the libraries the binary links,
# so they follow Debian's library packages instead of a list kept by hand.
# scripts/test-package.sh builds it and checks it.
set(LDB_PACKAGE_MAINTAINER "ldb maintainers <maintainers@ldb.invalid>" CACHE STRING
    "The Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ldb)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${LDB_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "label database for data-centric machine learning")
# The long description, wrapped as Debian wants it (CPack indents each line).
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "ldb indexes data where it already lives - every unique data object by the\n"
  "MD5 of its bytes, every version of its JSON annotation - and lets you build,\n"
  "version, compare and materialize datasets as collections of pointers,\n"
  "selected with JMESPath queries. No data is copied to build a dataset; one\n"
  "SQLite database holds everything, and storage may be local, S3, Google\n"
  "Cloud Storage, Azure Blob or a web server.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # ldb_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${LDB_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# The UMAP projection plugin (ldb project --method umap) runs on Debian's
# Python with umap-learn; without it only that method fails, with a hint.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "umap-learn, bash-completion")
# The S3, Google Cloud Storage, Azure and HTTP backends load libcurl when
# first used (dlopen, so dpkg-shlibdeps does not see it); without it they
# fail with a hint, local storage works.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libcurl4")
# The Python module (cmake/install.cmake): its extension is built for this
# Python 3.X, so the package needs that one.
if(TARGET ldb_python)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  math(EXPR ldb_next_minor "${Python3_VERSION_MINOR} + 1")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3 (>= 3.${Python3_VERSION_MINOR}), python3 (<< 3.${ldb_next_minor})")
endif()

include(CPack)
