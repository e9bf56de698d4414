#include "cli/app.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <system_error>

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "app/formats.hpp"
#include "app/images.hpp"
#include "cli/commands.hpp"
#include "cli/help.hpp"

namespace ldb::cli {

namespace {

using K = OptionSpec::Kind;

OptionSpec flag(std::vector<std::string> names, std::string key, std::string help) {
  return OptionSpec{std::move(names), K::flag, std::move(help), std::move(key)};
}
OptionSpec value(std::vector<std::string> names, std::string key, std::string help,
                 std::vector<std::string> choices = {}) {
  return OptionSpec{std::move(names), K::value, std::move(help), std::move(key), std::move(choices)};
}

std::vector<OptionSpec> with_common(std::vector<OptionSpec> options) {
  options.push_back(flag({"-q", "--quiet"}, "quiet", "print only errors"));
  options.push_back(flag({"-v", "--verbose"}, "verbose", "explain more"));
  options.push_back(flag({"-h", "--help"}, "help", "show this help"));
  return options;
}

OptionSpec json_flag() { return flag({"-j", "--json"}, "json", "print JSON for scripts"); }
OptionSpec target_flag() { return value({"-t", "--target"}, "target", "workspace folder (default: current folder)"); }
std::string joined(const std::vector<std::string_view>& words) {
  std::string out;
  for (auto w : words) out += fmt::format("{}{}", out.empty() ? "" : ", ", w);
  return out;
}
// -m of the commands that index (index, add): an ingest format.
OptionSpec index_format_option(std::string_view what) {
  auto names = app::format_names(app::FormatRole::read);
  OptionSpec o =
      value({"-m", "--format"}, "format", fmt::format("{}: {} (default: {})", what, joined(names), names.front()));
  o.choices.assign(names.begin(), names.end());
  return o;
}
// -m of the commands that instantiate; --output-format is DVC's name for it.
OptionSpec output_format_option(std::string_view what) {
  auto names = app::format_names(app::FormatRole::write);
  OptionSpec o = value({"-m", "--format", "--output-format"}, "format",
                       fmt::format("{}: {} (default: {})", what, joined(names), names.front()));
  o.choices.assign(names.begin(), names.end());
  return o;
}
// ldb stats and diff --stats.
OptionSpec stats_by_option() {
  return value({"--by"}, "by", "count the values of a JMESPath key over annotations (repeatable)");
}
OptionSpec stats_file_by_option() {
  return value({"--file-by"}, "file-by", "count the values of a JMESPath key over file attributes (repeatable)");
}
OptionSpec stats_bins_option() { return value({"--bins"}, "bins", "histogram bins for numbers (default 10)"); }
OptionSpec stats_top_option() { return value({"--top"}, "top", "distinct values shown per key (default 20)"); }
OptionSpec param_option() { return value({"-p", "--param"}, "param", "format parameter KEY=VALUE (repeatable)"); }

std::vector<Command> build_commands() {
  std::vector<Command> c;
  c.push_back({"init", "init [-f] [--store URL] PATH", "create an instance",
               with_common({flag({"-f", "--force"}, "force", "replace an existing instance"),
                            value({"--store"}, "store",
                                  "keep the store in this database (postgresql://USER@HOST:PORT/DB; default: SQLite "
                                  "in PATH); when it already holds an instance, PATH joins it")}),
               false, cmd_init});
  c.push_back({"instance",
               "instance [show] [--json] | instance migrate --to URL [--json]",
               "show which instance is in use and why; move its store to PostgreSQL",
               with_common({json_flag(), value({"--to"}, "to",
                                               "migrate: the PostgreSQL database to move the store to "
                                               "(postgresql://USER@HOST:PORT/DB)")}),
               false,
               cmd_instance,
               {"show", "migrate"}});
  c.push_back({"add-storage", "add-storage [-a true|false] [-o KEY VALUE]... PATH", "register a storage location",
               with_common({value({"-a", "--read-add"}, "read-add", "make it the read-add location (true/false)",
                                  {"true", "false"}),
                            OptionSpec{{"-o", "--option"}, K::repeated_pair, "backend option KEY VALUE", "option"},
                            flag({"-f", "--force"}, "force", "replace a nested location")}),
               false, cmd_add_storage});
  c.push_back({"storage",
               "storage list | storage rm PATH",
               "show or remove storage locations",
               with_common({json_flag()}),
               false,
               cmd_storage,
               {"list", "rm"}});
  c.push_back(
      {"index",
       "index [-m FORMAT] [-p K=V]... [--add-tags T,...] [--annotation-update replace|merge] [--no-features] "
       "PATH...",
       "index data objects and annotations in place",
       with_common(
           {index_format_option("format of the files"), param_option(),
            value({"--add-tags"}, "add-tags", "tag every indexed object"),
            value({"--annotation-update"}, "annotation-update", "replace (default) or merge", {"replace", "merge"}),
            flag({"--no-features"}, "no-features", "do not compute image features (ldb features can later)")}),
       false, cmd_index});
  c.back().format_params = app::FormatRole::read;
  c.push_back({"stage", "stage [-f] [-t DIR] ds:NAME[.vN] [DIR]", "make a folder a workspace for a dataset",
               with_common({flag({"-f", "--force"}, "force", "discard uncommitted changes"), target_flag()}), false,
               cmd_stage});
  c.push_back({"add", "add [OBJECTS] [FILTERS]", "add objects to the staged dataset",
               with_common({target_flag(), index_format_option("format of paths indexed on the fly"), param_option(),
                            value({"--label-version", "--annotation-version"}, "label-version",
                                  "pin this annotation version")}),
               true, cmd_add});
  c.back().format_params = app::FormatRole::read;
  c.push_back({"del", "del [OBJECTS] [FILTERS]", "remove objects from the staged dataset", with_common({target_flag()}),
               true, cmd_del});
  c.push_back({"list", "list [-s] [-v] [OBJECTS] [FILTERS]", "list objects (default: the staged dataset)",
               with_common({flag({"-s", "--summary"}, "summary", "print only the count"), json_flag(), target_flag()}),
               true, cmd_list});
  c.push_back({"eval", "eval [-j|-i] [OBJECTS] [FILTERS]", "print query values per object",
               with_common({flag({"-j", "--json"}, "json", "print only the JSON values, one a line"),
                            flag({"-i", "--with-ids"}, "with-ids",
                                 "print {\"id\": ID, \"value\": VALUE} a line (\"error\" instead of \"value\" "
                                 "where the expression failed); implies -j"),
                            target_flag()}),
               true, cmd_eval});
  c.push_back({"status", "status [ds:NAME]", "show the staged dataset, its uncommitted changes and changed files",
               with_common({json_flag(), target_flag()}), false, cmd_status});
  c.push_back({"commit", "commit [-m MSG] [--ours|--theirs] [ds:NAME]", "save the staged dataset as a new version",
               with_common({value({"-m", "--message"}, "message", "commit message"),
                            flag({"--ours"}, "ours", "when merging, decide every conflict for this workspace"),
                            flag({"--theirs"}, "theirs", "when merging, decide every conflict for the latest version"),
                            target_flag()}),
               false, cmd_commit});
  c.push_back({"diff", "diff [-s] [DS1] [DS2] | diff --stats [DS1] [DS2] --by EXPR...",
               "compare datasets (or the workspace)",
               with_common({flag({"-s", "--summary"}, "summary", "print only counts"), json_flag(), target_flag(),
                            flag({"--stats"}, "stats", "compare the values of keys (--by, --file-by) instead"),
                            stats_by_option(), stats_file_by_option(), stats_bins_option(), stats_top_option()}),
               false, cmd_diff});
  c.push_back({"stats", "stats [OBJECTS] [FILTERS] [--by EXPR]... [--file-by EXPR]... [--bins N] [--top N]",
               "counts, shares and histograms of keys (default: the staged dataset)",
               with_common({stats_by_option(), stats_file_by_option(), stats_bins_option(), stats_top_option(),
                            json_flag(), target_flag()}),
               true, cmd_stats});
  c.push_back({"ds",
               "ds list | ds del ds:NAME...",
               "list or delete datasets",
               with_common({json_flag()}),
               false,
               cmd_ds,
               {"list", "del"}});
  c.push_back({"log", "log ds:NAME", "show a dataset's version history", with_common({json_flag()}), false, cmd_log});
  c.push_back(
      {"show", "show id:HASH", "show what ldb knows of one object", with_common({json_flag()}), false, cmd_show});
  c.push_back(
      {"instantiate",
       "instantiate [OBJECTS] [FILTERS] [-m FORMAT] [-t DIR] [-f] [--annotations-only] [--preserve-paths] [--link] "
       "[--apply EXEC ARGS...] [-p K=V]",
       "write the staged dataset's files into the workspace",
       with_common(
           {output_format_option("format to write"), target_flag(),
            flag({"-f", "--force"}, "force",
                 "move aside files ldb did not write (or that were changed) and replace them"),
            flag({"--annotations-only"}, "annotations-only", "write annotations but no data files"),
            flag({"--preserve-paths"}, "preserve-paths", "keep storage paths instead of flat names"),
            OptionSpec{
                {"--apply"}, K::command, "instantiate to a temporary folder and run EXEC ARGS... on it", "apply"},
            flag({"--link"}, "link",
                 "hard-link data files instead of copying them (same file system only); the links are "
                 "made read-only, and so are the storage files, as they share the inode"),
            param_option()}),
       true, cmd_instantiate});
  c.back().format_params = app::FormatRole::write;
  c.push_back(
      {"get",
       "get OBJECTS [FILTERS] [-t DIR] [-m FORMAT] [-f] [--annotations-only] [--preserve-paths] [--link] [-p K=V]",
       "stage (unnamed if new), add and instantiate objects in one step",
       with_common({target_flag(), output_format_option("format to write"),
                    flag({"-f", "--force"}, "force",
                         "move aside files ldb did not write (or that were changed) and replace them"),
                    flag({"--annotations-only"}, "annotations-only", "write annotations but no data files"),
                    flag({"--preserve-paths"}, "preserve-paths", "keep storage paths instead of flat names"),
                    flag({"--link"}, "link", "hard-link data files instead of copying them (same file system only)"),
                    param_option()}),
       true, cmd_get});
  c.back().format_params = app::FormatRole::write;
  c.push_back(
      {"pull",
       "pull [OBJECTS] [FILTERS] [-v N]",
       "move staged members to the current (or given) annotation version",
       {value({"-v", "--version"}, "version", "annotation version to move to (where the object has it)"), target_flag(),
        flag({"-q", "--quiet"}, "quiet", "print only errors"), flag({"-h", "--help"}, "help", "show this help")},
       true,
       cmd_pull});
  c.push_back({"sync", "sync [OBJECTS] [FILTERS]",
               "make the staged dataset equal the objects (default: the workspace's files)",
               with_common({target_flag(), index_format_option("format of paths indexed on the fly"), param_option()}),
               true, cmd_sync});
  c.back().format_params = app::FormatRole::read;
  c.push_back({"tag", "tag [OBJECTS] [FILTERS] -a T,... -r T,...", "add or remove tags on objects",
               with_common({value({"-a", "--add"}, "add", "tags to add (comma-separated, repeatable)"),
                            value({"-r", "--remove"}, "remove", "tags to remove (comma-separated, repeatable)"),
                            target_flag()}),
               true, cmd_tag});
  c.push_back({"unindex", "unindex OBJECTS [FILTERS]", "remove objects no saved dataset holds from the index",
               with_common({target_flag()}), true, cmd_unindex});
  c.push_back({"features", "features [--force] [OBJECTS] [FILTERS]",
               "compute image features (pHash, quality) of objects indexed without them",
               with_common({flag({"--force"}, "force", "compute them again for images that have them"), json_flag()}),
               true, cmd_features});
  c.push_back({"dups", "dups [OBJECTS] [FILTERS] [--threshold BITS] [--against OBJECTS]",
               "near-duplicate images (default: the staged dataset, else ds:root)",
               with_common({value({"--threshold"}, "threshold",
                                  fmt::format("pHash distance in bits (default {})", app::default_dup_threshold())),
                            value({"--against"}, "against", "only pairs straddling OBJECTS and these (repeatable)"),
                            json_flag()}),
               true, cmd_dups});
  c.push_back(
      {"split", "split [OBJECTS] [FILTERS] --into NAME=FRACTION,... [--stratify EXPR] [-m MSG] ds:PREFIX",
       "commit a new version of ds:PREFIX-NAME for each part (near duplicates kept together)",
       with_common({value({"--into"}, "into", "the parts and their fractions, e.g. train=0.8,val=0.1,test=0.1"),
                    value({"--stratify"}, "stratify", "keep each value of this annotation key's share in every part"),
                    value({"--threshold"}, "threshold",
                          fmt::format("pHash distance in bits of near duplicates kept together (default {})",
                                      app::default_dup_threshold())),
                    value({"-m", "--message"}, "message", "commit message"), json_flag()}),
       true, cmd_split});
  c.push_back(
      {"embed", "embed [OBJECTS] [FILTERS] [-m MODEL]", "compute embedding vectors (default model: builtin)",
       with_common({value({"-m", "--model"}, "model", "builtin or an [embedding.NAME] of the config"), json_flag()}),
       true, cmd_embed});
  c.push_back({"project", "project [OBJECTS] [FILTERS] [-m MODEL] [--method pca|umap|NAME]",
               "2-D coordinates of embeddings for the embedding view",
               with_common({value({"-m", "--model"}, "model", "the embedding model (default builtin)"),
                            value({"--method"}, "method", "pca (default), umap, or a [projection.NAME] of the config"),
                            json_flag()}),
               true, cmd_project});
  c.push_back({"transform", "transform [OBJECTS] [FILTERS] -a|-r|-s NAME,...",
               "add, remove or set the staged members' transforms",
               with_common({value({"-a", "--add"}, "add", "transforms to add (comma-separated, repeatable)"),
                            value({"-r", "--remove"}, "remove", "transforms to remove (comma-separated, repeatable)"),
                            value({"-s", "--set"}, "set", "the transforms to have (comma-separated, repeatable)"),
                            target_flag()}),
               true, cmd_transform});
  c.push_back({"completion", "completion -s bash|zsh", "print a shell completion script",
               with_common({value({"-s", "--shell"}, "shell", "bash or zsh", {"bash", "zsh"})}), false,
               cmd_completion});
  c.push_back({"fsck", "fsck [-t DIR] [--json]", "check the instance (and workspace) for damage",
               with_common({json_flag(), target_flag()}), false, cmd_fsck});
  c.push_back(
      {"ui", "ui [--host 127.0.0.1] [--port 0] [--no-browser]", "serve the web UI over the instance (until Ctrl-C)",
       with_common({value({"--host"}, "host", "the address to listen on (default 127.0.0.1: this machine only)"),
                    value({"--port"}, "port", "the port to listen on (default 0: any free port)"),
                    flag({"--no-browser"}, "no-browser", "print the URL only; do not open a browser")}),
       false, cmd_ui});
  return c;
}

void print_error(const Error& e) {
  fmt::print(stderr, "ldb: error: {}\n", e.message);
  if (e.hint.empty()) return;
  // Continuation lines (e.g. a query with a caret under it) line up with the
  // text after "hint: ".
  std::string hint = e.hint;
  for (std::size_t pos = hint.find('\n'); pos != std::string::npos; pos = hint.find('\n', pos + 7)) {
    hint.insert(pos + 1, "      ");
  }
  fmt::print(stderr, "hint: {}\n", hint);
}

}  // namespace

int exit_code(const Error& e) {
  // Documented in the README; scripts may rely on them.
  switch (e.code) {
    case ErrorCode::invalid_argument:
      return 2;
    case ErrorCode::not_found:
      return 3;
    case ErrorCode::conflict:
      return 4;
    case ErrorCode::io:
      return 5;
    case ErrorCode::corruption:
      return 6;
    case ErrorCode::unsupported:
      return 7;
    case ErrorCode::already_exists:
      return 8;
    case ErrorCode::internal:
      return 70;
  }
  return 1;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = build_commands();
  return table;
}

namespace {

// stdout could not be written. A reader that went away (`ldb list | head`)
// ends ldb quietly with the status a SIGPIPE death would give (141); any
// other failure (a full disk) is an io error. Store writes are transactions
// that the unwinding already rolled back, or that committed before printing.
int output_failed(int err) {
  if (err == EPIPE) return k_exit_reader_gone;
  try {
    print_error(Error{ErrorCode::io, fmt::format("cannot write the output: {}", std::strerror(err)),
                      "check where the output goes (free space, a closed pipe)"});
  } catch (const std::system_error&) {
    // stderr is gone too: nothing left to tell.
  }
  return exit_code(Error{ErrorCode::io, "", ""});
}

int run_command(std::vector<std::string> args);

}  // namespace

int run_cli(int argc, char** argv) {
  // A plugin that stops reading its input must not kill ldb; nor must the
  // reader of ldb's own output (handled below).
  std::signal(SIGPIPE, SIG_IGN);
  int code = 0;
  try {
    code = run_command(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::system_error& e) {
    // fmt::print throws when a write to stdout fails; ferror tells that
    // apart from any other system_error.
    if (!std::ferror(stdout)) throw;
    return output_failed(e.code().value());
  }
  // Whatever is still buffered: a failure here would otherwise be lost at exit.
  if (std::fflush(stdout) != 0) return output_failed(errno);
  return code;
}

namespace {

// The command named `name` (or its alias), or an unknown-command error with
// the closest name as a "did you mean".
Result<const Command*> find_command(std::string_view name) {
  if (name == "delete") name = "del";
  const auto& table = commands();
  auto it = std::find_if(table.begin(), table.end(), [&](const Command& c) { return c.name == name; });
  if (it != table.end()) return &*it;
  std::string_view best;
  std::size_t best_distance = 3;
  for (const auto& c : table) {
    auto d = edit_distance(name, c.name);
    if (d < best_distance) {
      best_distance = d;
      best = c.name;
    }
  }
  return fail(
      ErrorCode::invalid_argument, fmt::format("unknown command '{}'", name),
      best.empty() ? std::string("see the commands with: ldb --help") : fmt::format("did you mean 'ldb {}'?", best));
}

// What src/app is told of this process: its environment, folder and user,
// the terminal's progress bar, and where warnings and notes go.
app::Context make_app_context(const Verbosity& verbosity, TerminalProgress& progress) {
  app::Context context;
  std::map<std::string, std::string, std::less<>> variables;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string_view::npos) variables.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  context.env = core::Environment(std::move(variables));
  std::error_code ec;
  context.cwd = std::filesystem::current_path(ec);
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name != nullptr) context.user = pw->pw_name;
  context.progress = &progress;
  // The plugins that come with ldb sit at ../lib/ldb/plugins from the binary,
  // installed (/usr/bin/ldb) and in the build tree (build/src/cli/ldb) alike.
  if (auto exe = std::filesystem::read_symlink("/proc/self/exe", ec); !ec) {
    context.shipped_plugins = exe.parent_path().parent_path() / "lib" / "ldb" / "plugins";
  }
  if (!verbosity.quiet) {
    context.warn = [](std::string_view text) { warn(text); };
    context.note = [](std::string_view text) { out_line(text); };
  }
  return context;
}

int run_command(std::vector<std::string> args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || (args[0] == "help" && args.size() == 1)) {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    fmt::print("{}\n", version_line());
    return 0;
  }
  // The manual page, in roff: the build writes it to ldb.1 (not listed in
  // the help, as it is not for people).
  if (args.size() == 2 && args[0] == "help" && args[1] == "--man") {
    fmt::print("{}", man_page());
    return 0;
  }
  // `ldb help COMMAND` is `ldb COMMAND --help`.
  const bool help_for = args[0] == "help";
  if (help_for && args.size() > 2) {
    print_error(Error{ErrorCode::invalid_argument, "ldb help takes one command",
                      fmt::format("for example: ldb help {}", args[1])});
    return 2;
  }
  auto found = find_command(help_for ? args[1] : args[0]);
  if (!found) {
    print_error(found.error());
    return exit_code(found.error());
  }
  const Command* it = *found;
  if (help_for) {
    print_command_help(*it);
    return 0;
  }
  auto parsed = parse_args(it->name, std::span(args).subspan(1), it->options, it->with_filters);
  if (!parsed) {
    print_error(parsed.error());
    return exit_code(parsed.error());
  }
  if (parsed->has("help")) {
    print_command_help(*it);
    return 0;
  }
  Verbosity verbosity{parsed->has("quiet"), parsed->has("verbose")};
  TerminalProgress progress(!verbosity.quiet && stderr_is_terminal());
  app::Session session(make_app_context(verbosity, progress));
  CommandEnv env{verbosity, progress, session};
  auto status = it->run(env, *parsed);
  if (!status) {
    progress.finish();
    print_error(status.error());
    return exit_code(status.error());
  }
  return 0;
}

}  // namespace

}  // namespace ldb::cli
