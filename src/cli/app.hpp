#pragma once
// The ldb command line: run_cli parses argv, runs one command and turns an
// Error into "ldb: error: ..." / "hint: ..." and an exit code.

namespace ldb::cli {

int run_cli(int argc, char** argv);

}  // namespace ldb::cli
