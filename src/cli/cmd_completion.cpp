// ldb completion: a shell completion script generated from the command table,
// so it lists exactly the commands and options this binary accepts. Dataset
// names are asked of `ldb ds list` when completing, so they are never stale.
// The zsh script loads bash's completion emulation (bashcompinit) and shares
// the bash function.

#include <fmt/format.h>

#include "cli/commands.hpp"

namespace ldb::cli {

namespace {

std::string shell_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The `case "$prev"` arms that complete an option's value from its fixed set
// of choices (formats, true/false, bash/zsh).
std::string choice_cases(const Command& c) {
  std::string arms;
  for (const auto& o : c.options) {
    if (o.choices.empty()) continue;
    std::string names;
    for (const auto& n : o.names) names += (names.empty() ? "" : "|") + n;
    arms += fmt::format("        {}) choices=\"{}\" ;;\n", names, shell_words(o.choices));
  }
  return arms.empty() ? std::string() : fmt::format("      case \"$prev\" in\n{}      esac\n", arms);
}

std::string bash_function() {
  std::vector<std::string> names;
  std::string cases;
  for (const auto& c : commands()) {
    names.emplace_back(c.name);
    std::vector<std::string> flags;
    for (const auto& o : c.options) flags.insert(flags.end(), o.names.begin(), o.names.end());
    if (c.with_filters) {
      for (const auto& o : filter_options()) flags.insert(flags.end(), o.names.begin(), o.names.end());
    }
    std::vector<std::string> subcommands(c.subcommands.begin(), c.subcommands.end());
    cases += fmt::format("    {})\n      flags=\"{}\"\n", c.name, shell_words(flags));
    if (!subcommands.empty()) cases += fmt::format("      subcommands=\"{}\"\n", shell_words(subcommands));
    cases += choice_cases(c) + "      ;;\n";
  }
  cases += fmt::format("    help) subcommands=\"{}\" ;;\n", shell_words(names));
  names.emplace_back("help");
  // Which commands take which datasets: stage, commit, log, status and ds del
  // name saved datasets (never ds:root, which is the whole index, not a
  // dataset); commit, log and ds del name whole datasets, not versions.
  return fmt::format(R"sh(_ldb() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}"
  local prev=""
  [[ $COMP_CWORD -gt 0 ]] && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  COMPREPLY=()
  if [[ $COMP_CWORD -le 1 ]]; then
    COMPREPLY=( $(compgen -W "{commands}" -- "$cur") )
    return 0
  fi
  local cmd="${{COMP_WORDS[1]}}"
  local flags="" subcommands="" choices=""
  case "$cmd" in
{cases}  esac
  if [[ -n "$choices" ]]; then
    COMPREPLY=( $(compgen -W "$choices" -- "$cur") )
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
    return 0
  fi
  # A sub-command (ds list|del, storage list|rm, help COMMAND) comes first.
  local i first=1
  for ((i = 2; i < COMP_CWORD; i++)); do
    [[ "${{COMP_WORDS[i]}}" == -* ]] || first=0
  done
  if [[ -n "$subcommands" && $first -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "$subcommands" -- "$cur") )
    return 0
  fi
  # Dataset names. Bash splits "ds:NAME" at the colon (COMP_WORDBREAKS), so
  # the word may arrive as "ds" ":" "NAME"; complete the part after the colon then.
  local word="$cur" split=0
  if [[ "$cur" == ":" && "$prev" == ds ]]; then
    word="ds:"; split=1; cur=""
  elif [[ "$prev" == ":" && $COMP_CWORD -ge 3 && "${{COMP_WORDS[COMP_CWORD-2]}}" == ds ]]; then
    word="ds:$cur"; split=1
  fi
  local named=0
  case "$cmd" in
    stage|commit|log|status) named=1 ;;
    ds) [[ "${{COMP_WORDS[2]}}" == del ]] && named=1 ;;
  esac
  if [[ "$word" == ds:* || ( -z "$word" && $named -eq 1 ) ]]; then
    local names="" name version rest v
    [[ $named -eq 0 ]] && names="ds:root"
    while read -r name version rest; do
      [[ "$name" == ds:* ]] || continue
      names="$names $name"
      # ds:NAME. completes to the dataset's versions ds:NAME.v1 ... ds:NAME.vN.
      if [[ "$word" == "$name".* && "$cmd" != commit && "$cmd" != log && "$cmd" != ds ]]; then
        for ((v = 1; v <= ${{version#v}}; v++)); do names="$names $name.v$v"; done
      fi
    done < <(command ldb ds list 2>/dev/null)
    local candidates
    candidates=( $(compgen -W "$names" -- "$word") )
    if [[ $split -eq 1 ]]; then
      local c
      for c in "${{candidates[@]}}"; do COMPREPLY+=( "${{c#ds:}}" ); done
    else
      COMPREPLY=( "${{candidates[@]}}" )
    fi
    [[ ${{#COMPREPLY[@]}} -gt 0 || -n "$word" || $named -eq 1 ]] && return 0
  fi
  COMPREPLY=( $(compgen -f -- "$cur") )
  return 0
}}
)sh",
                     fmt::arg("commands", shell_words(names)), fmt::arg("cases", cases));
}

}  // namespace

Status cmd_completion(CommandEnv& env, const ParsedArgs& args) {
  (void)env;
  auto shell = args.get("shell");
  if (!shell && args.positional.size() == 1) shell = args.positional[0];
  if (!shell || (*shell != "bash" && *shell != "zsh") || args.positional.size() > 1) {
    return fail(ErrorCode::invalid_argument,
                shell ? fmt::format("unknown shell '{}'", *shell) : std::string("ldb completion needs a shell"),
                "usage: ldb completion -s bash|zsh, e.g. in ~/.bashrc: eval \"$(ldb completion -s bash)\"");
  }
  if (*shell == "bash") {
    fmt::print("# ldb completion for bash. Load it with: eval \"$(ldb completion -s bash)\"\n{}complete -F _ldb ldb\n",
               bash_function());
  } else {
    // Installed as _ldb in $fpath (share/zsh/vendor-completions), the file
    // is autoloaded as the body of the function _ldb at the first TAB; it
    // then defines the real _ldb and completes that TAB too.
    fmt::print(
        "#compdef ldb\n# ldb completion for zsh. Load it with: eval \"$(ldb completion -s zsh)\"\n"
        "# or save it as _ldb in a folder of $fpath.\n"
        "autoload -U +X bashcompinit && bashcompinit\n{}complete -F _ldb ldb\n"
        "if [[ ${{funcstack[1]-}} == _ldb ]]; then _bash_complete -F _ldb; fi\n",
        bash_function());
  }
  return {};
}

}  // namespace ldb::cli
