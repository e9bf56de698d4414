// ldb split: the selection split into ds:PREFIX-NAME datasets.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/split.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

Status cmd_split(CommandEnv& env, const ParsedArgs& args) {
  auto into = args.get("into");
  if (!into) {
    return fail(ErrorCode::invalid_argument, "ldb split needs --into NAME=FRACTION,...",
                "for example: ldb split --into train=0.8,val=0.1,test=0.1 ds:cats");
  }
  if (args.positional.empty() || !args.positional.back().starts_with("ds:")) {
    return fail(ErrorCode::invalid_argument, "ldb split needs the datasets' prefix last, as ds:PREFIX",
                "for example: ldb split --into train=0.8,test=0.2 ds:cats (makes ds:cats-train and ds:cats-test)");
  }
  app::SplitRequest request;
  request.selector = selector_of(args);
  request.selector.objects.pop_back();
  request.target = args.positional.back();
  request.into = *into;
  request.stratify = args.get("stratify");
  request.threshold = args.get("threshold");
  request.message = args.get("message");
  auto summary = app::split(env.session, request);
  if (!summary) return std::unexpected(summary.error());
  auto share = [&](const app::SplitPartSummary& p) {
    return summary->objects ? static_cast<double>(p.objects) / static_cast<double>(summary->objects) : 0.0;
  };
  if (args.has("json")) {
    auto parts = nlohmann::json::array();
    for (const auto& p : summary->parts) {
      parts.push_back({{"dataset", "ds:" + p.dataset},
                       {"version", p.version},
                       {"committed", p.committed},
                       {"objects", p.objects},
                       {"kept", p.kept},
                       {"fraction", p.fraction},
                       {"share", share(p)}});
    }
    out_line(nlohmann::json{{"source", summary->source},
                            {"objects", summary->objects},
                            {"seed", summary->seed},
                            {"threshold", summary->threshold},
                            {"grouped_objects", summary->grouped_objects},
                            {"without_features", summary->without_features},
                            {"straddling_groups", summary->straddling_groups},
                            {"unvalued", summary->unvalued},
                            {"parts", std::move(parts)}}
                 .dump(2));
    return {};
  }
  if (env.verbosity.quiet) return {};
  out_line(fmt::format("Split {} object{} of {} (seed {}):", summary->objects, summary->objects == 1 ? "" : "s",
                       fmt::join(summary->source, " "), summary->seed));
  std::size_t width = 0;
  for (const auto& p : summary->parts)
    width = std::max(width, p.dataset.size() + 5 + fmt::formatted_size("{}", p.version));
  for (const auto& p : summary->parts) {
    std::string name = fmt::format("ds:{}.v{}", p.dataset, p.version);
    std::string note = p.committed ? (p.kept ? fmt::format(", {} kept from before", p.kept) : "") : ", unchanged";
    out_line(fmt::format("  {:<{}}  {:>8} object{}  {:5.1f}% (asked {:g}%){}", name, width, p.objects,
                         p.objects == 1 ? " " : "s", 100 * share(p), 100 * p.fraction, note));
  }
  out_line(fmt::format("Near duplicates: {} object{} in groups, each group in one part (pHash distance <= {} bits)",
                       summary->grouped_objects, summary->grouped_objects == 1 ? "" : "s", summary->threshold));
  if (summary->without_features) {
    out_line(
        fmt::format("Without image features: {} (split alone; ldb features computes them)", summary->without_features));
  }
  if (summary->unvalued) out_line(fmt::format("Without a value for --stratify: {} (split as null)", summary->unvalued));
  return {};
}

}  // namespace ldb::cli
