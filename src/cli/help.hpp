#pragma once
// ldb's help: the command list (`ldb --help`), one command's options
// (`ldb COMMAND --help`), the version line and the manual page
// (`ldb help --man`, which the build writes to ldb.1). All are made from the
// command table, so none can disagree with what the binary accepts.

#include <string>
#include <string_view>

#include "cli/commands.hpp"

namespace ldb::cli {

void print_help();
void print_command_help(const Command& c);
// "ldb 0.1.0 (commit 0123456789ab)": the version and the git commit built from.
std::string version_line();

// The manual page in roff (man(7)): a section per command, then the filters,
// the format parameters, exit status, environment and files.
std::string man_page();

// `text` made safe for a roff text line or a quoted macro argument:
// backslashes and '-' escaped (a bare '-' may be typeset as a hyphen that
// cannot be pasted into a shell), '"' as \(dq, a '.' or '\'' starting a line
// neutralised, any character beyond ASCII as \[uXXXX].
std::string roff_escape(std::string_view text);

}  // namespace ldb::cli
