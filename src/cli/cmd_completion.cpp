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
    cases += fmt::format("    {}) flags=\"{}\" ;;\n", c.name, shell_words(flags));
  }
  names.emplace_back("help");
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
  local flags=""
  case "$cmd" in
{cases}  esac
  case "$prev" in
    -s|--shell) [[ "$cmd" == completion ]] && {{ COMPREPLY=( $(compgen -W "bash zsh" -- "$cur") ); return 0; }} ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
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
  if [[ "$word" == ds:* || ( -z "$word" && ( "$cmd" == stage || "$cmd" == log || "$cmd" == commit ) ) ]]; then
    local names="ds:root"
    local line
    while read -r line; do
      [[ "$line" == ds:* ]] && names="$names ${{line%% *}}"
    done < <(command ldb ds list 2>/dev/null)
    local candidates
    candidates=( $(compgen -W "$names" -- "$word") )
    if [[ $split -eq 1 ]]; then
      local c
      for c in "${{candidates[@]}}"; do COMPREPLY+=( "${{c#ds:}}" ); done
    else
      COMPREPLY=( "${{candidates[@]}}" )
    fi
    [[ ${{#COMPREPLY[@]}} -gt 0 || -n "$word" ]] && return 0
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
    fmt::print("#compdef ldb\n# ldb completion for zsh. Load it with: eval \"$(ldb completion -s zsh)\"\n"
               "autoload -U +X bashcompinit && bashcompinit\n{}complete -F _ldb ldb\n",
               bash_function());
  }
  return {};
}

}  // namespace ldb::cli
