# What `cmake --install BUILD --prefix P` installs, and the Debian package
# (cmake/package.cmake) holds under /usr:
#   P/bin/ldb
#   P/lib/ldb/plugins/ldb-umap       the binary looks for its plugins at ../lib/ldb/plugins
#                                    from its own folder (src/cli/app.cpp), as in the build tree
#   P/share/man/man1/ldb.1           `man ldb`
#   P/share/bash-completion/completions/ldb, P/share/zsh/vendor-completions/_ldb
#   P/share/doc/ldb/                 README.md and docs/
#   P/lib/python3/dist-packages/ldb  the Python module, when it was built
# The manual page and the completion scripts are made by the binary at build
# time (src/cli/CMakeLists.txt): install after a full build (`ninja`).
include(GNUInstallDirs)

# bin and lib/ldb/plugins literally (not CMAKE_INSTALL_LIBDIR, which is
# lib/x86_64-linux-gnu for /usr on Debian): the binary finds the plugins by
# this relation.
install(TARGETS ldb RUNTIME DESTINATION bin)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/plugins/ldb-umap DESTINATION lib/ldb/plugins)

list(GET LDB_GENERATED_FILES 0 ldb_man_page)
list(GET LDB_GENERATED_FILES 1 ldb_bash_completion)
list(GET LDB_GENERATED_FILES 2 ldb_zsh_completion)
install(FILES ${ldb_man_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# Where bash-completion loads a command's script from on first use, and a
# folder of Debian's default zsh $fpath.
install(FILES ${ldb_bash_completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${ldb_zsh_completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

# share/doc/ldb (CMAKE_INSTALL_DOCDIR): the README, whose links into docs/
# keep working next to it.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# ---- The Python module (issue N), when this build made it -------------------
# Debian's site-packages path for a /usr prefix is /usr/lib/python3/dist-packages
# (the same for every Python 3 version; python3 -m site lists it).
# The package `ldb`: the extension ldb/_ldb*.so (target ldb_python) and the
# pure-Python part, python/ldb/*.py (ldb.torch ...). scripts/test-package.sh
# imports it from the unpacked package.
set(LDB_PYTHON_INSTALL_DIR "lib/python3/dist-packages" CACHE STRING
    "Where the Python module is installed, relative to the install prefix")
if(TARGET ldb_python)
  install(TARGETS ldb_python LIBRARY DESTINATION ${LDB_PYTHON_INSTALL_DIR}/ldb)
  if(EXISTS ${PROJECT_SOURCE_DIR}/python/ldb)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/ldb/ DESTINATION ${LDB_PYTHON_INSTALL_DIR}/ldb
            FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
  endif()
endif()
