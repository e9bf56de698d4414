# Runs the ldb binary LDB to write, into OUTPUT_DIR, what it generates from
# its command table: the manual page ldb.1 (`ldb help --man`) and the
# completion scripts completion/bash/ldb and completion/zsh/_ldb
# (`ldb completion`), named as bash-completion and zsh look them up.
foreach(var LDB OUTPUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "generate_files.cmake: -D${var}=... is required")
  endif()
endforeach()

function(ldb_write output)
  get_filename_component(dir "${output}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  execute_process(COMMAND "${LDB}" ${ARGN} OUTPUT_FILE "${output}.new" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    file(REMOVE "${output}.new")
    message(FATAL_ERROR "`ldb ${ARGN}` failed (${rc})")
  endif()
  file(RENAME "${output}.new" "${output}")
endfunction()

ldb_write("${OUTPUT_DIR}/ldb.1" help --man)
ldb_write("${OUTPUT_DIR}/completion/bash/ldb" completion -s bash)
ldb_write("${OUTPUT_DIR}/completion/zsh/_ldb" completion -s zsh)
