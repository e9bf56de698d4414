#include "cli/help.hpp"

#include <array>
#include <cstdint>

#include <fmt/format.h>

#include "app/version.hpp"

namespace ldb::cli {

namespace {

constexpr std::string_view k_tagline = "a label database for data-centric machine learning";

std::string option_names(const OptionSpec& o) {
  std::string names;
  for (const auto& n : o.names) names += (names.empty() ? "" : ", ") + n;
  return names;
}

// One -p KEY=VALUE of a format: "-m coco -p images=DIR" and what it does.
struct ParamLine {
  std::string flag;
  std::string_view text;
};

std::vector<ParamLine> format_param_lines(app::FormatRole role) {
  std::vector<ParamLine> lines;
  for (const auto& f : app::formats(role)) {
    for (const auto& p : f.params) {
      // The registry's help reads "VALUE: what it does".
      auto colon = p.help.find(": ");
      auto value = colon == std::string_view::npos ? std::string_view("VALUE") : p.help.substr(0, colon);
      auto text = colon == std::string_view::npos ? p.help : p.help.substr(colon + 2);
      lines.push_back({fmt::format("-m {} -p {}={}", f.name, p.key, value), text});
    }
  }
  return lines;
}

}  // namespace

void print_help() {
  fmt::print("ldb — {}\n\nusage: ldb COMMAND [ARGS]\n\ncommands:\n", k_tagline);
  for (const auto& c : commands()) fmt::print("  {:<13} {}\n", c.name, c.summary);
  fmt::print("\nRun 'ldb COMMAND --help' for a command's options.\n");
}

void print_command_help(const Command& c) {
  fmt::print("usage: ldb {}\n\n{}\n\noptions:\n", c.usage, c.summary);
  for (const auto& o : c.options) fmt::print("  {:<34} {}\n", option_names(o), o.help);
  if (c.with_filters) {
    fmt::print("\nfilters (applied in the order given):\n");
    for (const auto& o : filter_options()) fmt::print("  {:<34} {}\n", o.names[0], o.help);
  }
  if (c.format_params) {
    fmt::print("\nformat parameters (-p KEY=VALUE):\n");
    for (const auto& line : format_param_lines(*c.format_params)) {
      if (line.flag.size() > 34) {
        fmt::print("  {}\n  {:<34} {}\n", line.flag, "", line.text);
      } else {
        fmt::print("  {:<34} {}\n", line.flag, line.text);
      }
    }
  }
}

std::string version_line() { return fmt::format("ldb {} (commit {})", app::version(), app::build_commit()); }

std::string roff_escape(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (line_start && (byte == '.' || byte == '\'')) out += "\\&";
    line_start = byte == '\n';
    if (byte < 0x80) {
      switch (byte) {
        case '\\':
          out += "\\e";
          break;
        case '-':
          out += "\\-";
          break;
        case '"':
          out += "\\(dq";
          break;
        default:
          out += static_cast<char>(byte);
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: its code point as \[uXXXX]; a malformed one as U+FFFD.
    const std::size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    std::uint32_t code = length == 1 ? 0xFFFD : byte & (0x7F >> length);
    std::size_t used = 1;
    for (; used < length && i + used < text.size(); ++used) {
      const auto next = static_cast<unsigned char>(text[i + used]);
      if ((next & 0xC0) != 0x80) break;
      code = (code << 6) | (next & 0x3F);
    }
    if (used < length) code = 0xFFFD;
    out += fmt::format("\\[u{:04X}]", code);
    i += used;
  }
  return out;
}

namespace {

// "\fB-s\fR, \fB--summary\fR" and the value it takes, for a .TP tag.
std::string roff_option(const OptionSpec& o) {
  std::string tag;
  for (const auto& n : o.names) tag += fmt::format("{}\\fB{}\\fR", tag.empty() ? "" : ", ", roff_escape(n));
  std::string value;  // already escaped
  switch (o.kind) {
    case OptionSpec::Kind::flag:
      break;
    case OptionSpec::Kind::value:
      if (o.choices.empty()) {
        value = "VALUE";
      } else {
        // \: after each '|': a long list of formats may break there.
        for (const auto& choice : o.choices) value += (value.empty() ? "" : "|\\:") + roff_escape(choice);
      }
      break;
    case OptionSpec::Kind::repeated_pair:
      value = "KEY VALUE";
      break;
    case OptionSpec::Kind::command:
      value = "EXEC ARGS...";
      break;
  }
  if (!value.empty()) tag += fmt::format(" \\fI{}\\fR", value);
  return tag;
}

void append_option(std::string& page, std::string_view tag, std::string_view help) {
  page += fmt::format(".TP\n{}\n{}\n", tag, roff_escape(help));
}

// The names of the commands `takes` holds for, e.g. "index, add, sync".
template <class Predicate>
std::string command_names(Predicate takes) {
  std::string names;
  for (const auto& c : commands()) {
    if (takes(c)) names += fmt::format("{}\\fB{}\\fR", names.empty() ? "" : ", ", roff_escape(c.name));
  }
  return names;
}

void append_commands(std::string& page) {
  page += ".SH COMMANDS\n";
  for (const auto& c : commands()) {
    page += fmt::format(".SS \"ldb {}\"\n\\fBldb\\fR {}\n.PP\n{}\n", roff_escape(c.name), roff_escape(c.usage),
                        roff_escape(c.summary));
    for (const auto& o : c.options) append_option(page, roff_option(o), o.help);
    if (c.with_filters) page += ".PP\nTakes objects and the filters of \\fBFILTERS\\fR.\n";
    if (c.format_params) {
      page += fmt::format(".PP\nTakes the \\fB\\-p\\fR parameters of \\fBFORMAT PARAMETERS\\fR ({}).\n",
                          *c.format_params == app::FormatRole::read ? "reading" : "writing");
    }
  }
  page +=
      ".SS \"ldb help\"\n\\fBldb help\\fR [COMMAND]\n.PP\n"
      "The commands, or one command's options: \\fBldb help stage\\fR is \\fBldb stage \\-\\-help\\fR.\n";
}

void append_filters(std::string& page) {
  page += fmt::format(
      ".SH FILTERS\n"
      "The commands that select objects ({}) take OBJECTS \\(em \\fBds:NAME\\fR[\\fB.vN\\fR] (a dataset version), "
      "\\fBds:root\\fR (everything indexed), \\fBid:HASH\\fR, or a path or folder \\(em and then filters, "
      "applied in the order given:\n",
      command_names([](const Command& c) { return c.with_filters; }));
  for (const auto& o : filter_options()) append_option(page, roff_option(o), o.help);
}

void append_format_parameters(std::string& page) {
  page += ".SH \"FORMAT PARAMETERS\"\n";
  for (auto role : {app::FormatRole::read, app::FormatRole::write}) {
    page += fmt::format(".SS \"{}\"\n{}:\n", role == app::FormatRole::read ? "Reading" : "Writing",
                        command_names([role](const Command& c) { return c.format_params == role; }));
    for (const auto& line : format_param_lines(role)) append_option(page, roff_escape(line.flag), line.text);
  }
}

void append_exit_status(std::string& page) {
  // What each error code means to a user; the numbers come from exit_code.
  static constexpr std::array<std::pair<ErrorCode, std::string_view>, 8> k_meanings{{
      {ErrorCode::invalid_argument, "bad usage or input"},
      {ErrorCode::not_found, "not found (a dataset, an object, a path, the instance)"},
      {ErrorCode::conflict, "conflict: a busy instance, uncommitted changes, or a merge conflict at commit"},
      {ErrorCode::io, "an input/output error"},
      {ErrorCode::corruption, "a damaged instance (see ldb fsck)"},
      {ErrorCode::unsupported, "not supported yet"},
      {ErrorCode::already_exists, "already exists"},
      {ErrorCode::internal, "an internal error (a bug: please report it)"},
  }};
  page +=
      ".SH \"EXIT STATUS\"\nEvery failing command prints \\fBldb: error:\\fR and \\fBhint:\\fR lines on "
      "standard error.\n.TP\n0\nsuccess\n";
  for (const auto& [code, meaning] : k_meanings) {
    append_option(page, fmt::format("{}", exit_code(Error{code, "", ""})), meaning);
  }
  append_option(page, fmt::format("{}", k_exit_reader_gone),
                "the reader of the output went away (ldb list | head), as a death by SIGPIPE");
}

constexpr std::string_view k_environment_and_files = R"(.SH ENVIRONMENT
.TP
\fBLDB_DIR\fR
the instance to use; overrides \fBcore.ldb_dir\fR of \fI~/.ldb/config\fR
.TP
\fBLDB_AUTHOR\fR
the author recorded on commits (default: the login name)
.TP
\fBLDB_BUSY_TIMEOUT_MS\fR
how long to wait for an instance another process has locked (default 10000)
.TP
\fBLDB_CACHE_DIR\fR, \fBLDB_CACHE_SIZE\fR
where objects read from cloud storage are cached, and the cache's limit
.TP
\fBLDB_HTTP_TIMEOUT\fR, \fBLDB_HTTP_RETRIES\fR
the defaults of cloud requests' timeout and retries
.TP
\fBAWS_*\fR, \fBGS_ACCESS_KEY_ID\fR, \fBGS_SECRET_ACCESS_KEY\fR, \fBAZURE_STORAGE_*\fR
cloud storage credentials; they are never stored in the instance
.SH FILES
.TP
\fI~/.ldb/config\fR
the user's settings (TOML), e.g. \fBcore.ldb_dir\fR
.TP
\fI~/.ldb/private_instance\fR
the instance \fBldb stage\fR creates when none is configured
.TP
\fIINSTANCE/config\fR
the instance's settings (TOML): \fBcore.auto_index\fR, \fBcore.read_any_location\fR, transforms, plugins
.TP
\fI../lib/ldb/plugins\fR
from the folder of the ldb binary: the plugins that come with ldb (\fBldb\-umap\fR)
.SH "SEE ALSO"
The README and the documents under \fIshare/doc/ldb\fR of the installation (\fI/usr/share/doc/ldb\fR for the
Debian package).
)";

}  // namespace

std::string man_page() {
  std::string page = fmt::format(
      ".\\\" The manual page of ldb, generated by `ldb help --man` from its command table.\n"
      ".TH LDB 1 \"\" \"ldb {}\" \"User Commands\"\n"
      ".nh\n.ad l\n"
      ".SH NAME\nldb \\- {}\n"
      ".SH SYNOPSIS\n\\fBldb\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n.br\n"
      "\\fBldb help\\fR [\\fICOMMAND\\fR]\n.br\n\\fBldb \\-\\-version\\fR\n"
      ".SH DESCRIPTION\n"
      "ldb indexes data where it already lives \\(em every unique data object by the MD5 of its bytes, every "
      "version of its JSON annotation \\(em and lets you build, version, compare and materialize datasets as "
      "collections of pointers. No data is copied to build a dataset; one SQLite database inside the instance "
      "folder holds everything.\n.PP\n"
      "A workspace is a folder staged for a dataset (\\fBldb stage\\fR); \\fBadd\\fR and \\fBdel\\fR change it, "
      "\\fBcommit\\fR saves a new version and \\fBinstantiate\\fR writes its files. Each command is described "
      "below; \\fBldb COMMAND \\-\\-help\\fR prints the same options.\n",
      roff_escape(app::version()), roff_escape(k_tagline));
  append_commands(page);
  append_filters(page);
  append_format_parameters(page);
  append_exit_status(page);
  page += k_environment_and_files;
  return page;
}

}  // namespace ldb::cli
