// ldb stats and ldb diff --stats: how values are spread, drawn as bars.

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/json_output.hpp"
#include "app/stats.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

namespace {

constexpr std::size_t k_label_width = 32;  // longer values are cut with an ellipsis

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Columns of the terminal on stdout; 80 when it is not one.
std::size_t terminal_columns() {
  winsize size{};
  if (stdout_is_terminal() && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40) return size.ws_col;
  return 80;
}

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A value as a label: strings as they are unless they would be unclear (empty,
// control characters, or reading as a boolean): then as a JSON string; cut to
// k_label_width characters; padded to `width`.
std::string label_of(const std::string& value, bool boolean, std::size_t width) {
  std::string text = value;
  const bool unclear = !boolean && (value.empty() || value == "true" || value == "false" ||
                                    std::any_of(value.begin(), value.end(),
                                                [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
  if (unclear) text = nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (code_points(text) > k_label_width) {
    std::size_t cut = 0, seen = 0;
    while (cut < text.size() && seen < k_label_width - 1) {
      ++cut;
      while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
      ++seen;
    }
    text = text.substr(0, cut) + "…";
  }
  std::size_t shown = code_points(text);
  if (shown < width) text.append(width - shown, ' ');
  return text;
}

// A bar of `width` cells for n of max, in eighths of a cell.
std::string bar(std::uint64_t n, std::uint64_t max, std::size_t width) {
  static constexpr const char* k_eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  if (max == 0) return std::string(width, ' ');
  const auto eighths = static_cast<std::size_t>(
      std::llround(static_cast<double>(n) / static_cast<double>(max) * static_cast<double>(width * 8)));
  std::string out;
  for (std::size_t i = 0; i < eighths / 8; ++i) out += "█";
  out += k_eighths[eighths % 8];
  std::size_t cells = eighths / 8 + (eighths % 8 ? 1 : 0);
  if (n > 0 && cells == 0) {
    out = "▏";  // a count that is not zero always shows
    cells = 1;
  }
  out.append(width > cells ? width - cells : 0, ' ');
  return out;
}

std::string number(double v) { return fmt::format("{:.6g}", v); }

std::string percent(std::uint64_t n, std::uint64_t of) {
  return of ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(n) / static_cast<double>(of)) : "-";
}

// Lines of labelled bars: "  label  ████   count  share".
struct BarRow {
  std::string label;
  std::uint64_t count = 0;
  std::string share;
};

void draw_bars(std::string& out, const std::vector<BarRow>& rows) {
  if (rows.empty()) return;
  std::size_t label_width = 0, count_width = 0, share_width = 0;
  std::uint64_t max = 0;
  for (const auto& r : rows) {
    label_width = std::max(label_width, code_points(r.label));
    count_width = std::max(count_width, fmt::format("{}", r.count).size());
    share_width = std::max(share_width, r.share.size());
    max = std::max(max, r.count);
  }
  const std::size_t fixed = 2 + label_width + 2 + 2 + count_width + 2 + share_width;
  const std::size_t columns = terminal_columns();
  const std::size_t width = columns > fixed + 10 ? std::min<std::size_t>(columns - fixed, 50) : 10;
  for (const auto& r : rows) {
    out += fmt::format("  {}  {}  {:>{}}  {:>{}}\n", label_of(r.label, true, label_width), bar(r.count, max, width),
                       r.count, count_width, r.share, share_width);
  }
}

void draw_histogram(std::string& out, const app::NumberStats& n) {
  if (n.count > 0 && n.min == n.max) {
    // numpy's bins over [v - 0.5, v + 0.5] (--json has them) would draw one
    // full bar among empty ones.
    out += fmt::format("  every value is {}\n", number(n.min));
    return;
  }
  std::vector<BarRow> rows;
  for (std::size_t b = 0; b < n.histogram.size(); ++b) {
    const auto& bin = n.histogram[b];
    rows.push_back(
        {fmt::format("[{}, {}{}", number(bin.low), number(bin.high), b + 1 == n.histogram.size() ? "]" : ")"),
         bin.count, percent(bin.count, n.count)});
  }
  draw_bars(out, rows);
}

void draw_numbers(std::string& out, const app::NumberStats& n) {
  out += fmt::format("  count {}  min {}  max {}  mean {}  std {}\n", n.count, number(n.min), number(n.max),
                     number(n.mean), number(n.std));
  std::string quantiles;
  for (const auto& [level, value] : n.quantiles) {
    quantiles += fmt::format("  {}%: {}", number(level * 100), number(value));
  }
  out += fmt::format("  quantiles{}\n", quantiles);
  draw_histogram(out, n);
}

void draw_key(std::string& out, const app::KeyStats& k) {
  const char* flag = k.source == "file" ? "--file-by" : "--by";
  out += fmt::format("\n{} {}: {} counted in {} objects", flag, k.key, plural(k.values, "value", "values"),
                     k.objects - k.missing - k.errors);
  if (k.unit == "elements") out += " (each element of the arrays)";
  if (k.unit == "values") out += " (single values, and each element of arrays)";
  out += fmt::format("; {} missing", k.missing);
  if (k.errors) out += fmt::format(", {} not evaluated", k.errors);
  if (k.null_elements) out += fmt::format(", {} null elements", k.null_elements);
  out += "\n";
  if (!k.top.empty()) {
    std::vector<BarRow> rows;
    for (const auto& v : k.top) {
      rows.push_back({v.boolean ? v.value : label_of(v.value, false, 0), v.count, percent(v.count, k.values)});
    }
    draw_bars(out, rows);
    if (k.other_values) {
      out += fmt::format("  {} other {} ({} {})\n", k.other_values, k.other_values == 1 ? "value" : "values",
                         k.other_count, k.unit == "objects" ? "objects" : k.unit);
    }
  }
  if (k.numbers) {
    if (!k.top.empty()) out += fmt::format("  numbers: {} of {}\n", k.numbers->count, k.values);
    draw_numbers(out, *k.numbers);
  }
  if (k.other) out += fmt::format("  {} objects or nested arrays (not broken down)\n", k.other);
}

app::StatsKeys stats_keys_of(const ParsedArgs& args) {
  return {args.all("by"), args.all("file-by"), args.get("bins"), args.get("top")};
}

}  // namespace

Status cmd_stats(CommandEnv& env, const ParsedArgs& args) {
  auto result = app::stats(env.session, {selector_of(args), args.get("target"), stats_keys_of(args)});
  if (!result) return std::unexpected(result.error());
  if (args.has("json")) {
    out_line(app::stats_json(*result));
    return {};
  }
  std::string out =
      fmt::format("{}, {} with an annotation\n", plural(result->objects, "object", "objects"), result->annotations);
  if (result->overview) {
    out += "\ntop-level annotation keys (objects having them):\n";
    std::vector<BarRow> rows;
    for (const auto& c : result->coverage)
      rows.push_back({c.key, c.annotations, percent(c.annotations, result->objects)});
    draw_bars(out, rows);
    if (rows.empty()) out += "  (none)\n";
    out += "\nimage sizes (file attributes):";
    const bool any_image =
        std::any_of(result->keys.begin(), result->keys.end(), [](const app::KeyStats& k) { return k.values > 0; });
    if (!any_image) out += " none of the objects is an image ldb could read\n";
  }
  for (const auto& k : result->keys) {
    if (result->overview && k.values == 0) continue;
    draw_key(out, k);
  }
  fmt::print("{}", out);
  return {};
}

Status cmd_diff_stats(CommandEnv& env, const ParsedArgs& args) {
  auto result = app::diff_stats(env.session, {{args.positional, args.get("target"), false}, stats_keys_of(args)});
  if (!result) return std::unexpected(result.error());
  if (args.has("json")) {
    out_line(app::diff_stats_json(*result));
    return {};
  }
  // The sides as named; the workspace and the version it was staged from by default.
  const auto& sides = args.positional;
  const std::string from_name = sides.empty() ? "staged" : sides[0];
  const std::string to_name = sides.size() == 2 ? sides[1] : "workspace";
  std::string out = fmt::format("{}: {} -> {}: {}\n", from_name, plural(result->from_objects, "object", "objects"),
                                to_name, plural(result->to_objects, "object", "objects"));
  for (const auto& k : result->keys) {
    out += fmt::format("\n{} {}: {} -> {} {} counted\n", k.source == "file" ? "--file-by" : "--by", k.key,
                       k.from.values, k.to.values, k.to.unit);
    if (!k.changes.empty()) {
      std::size_t width = 5;
      for (const auto& c : k.changes) width = std::max(width, std::min(code_points(c.value), k_label_width));
      const std::size_t side = std::clamp<std::size_t>(std::max(from_name.size(), to_name.size()), 8, 24);
      out += fmt::format("  {}  {:>{}} {:>7}  {:>{}} {:>7}  {:>8} {:>8}\n", label_of("value", true, width),
                         from_name.substr(0, side), side, "share", to_name.substr(0, side), side, "share", "change",
                         "points");
      for (const auto& c : k.changes) {
        out += fmt::format("  {}  {:>{}} {:>6.1f}%  {:>{}} {:>6.1f}%  {:>+8} {:>+8.1f}\n",
                           label_of(c.value, c.boolean, width), c.from, side, 100 * c.from_share, c.to, side,
                           100 * c.to_share, static_cast<std::int64_t>(c.to) - static_cast<std::int64_t>(c.from),
                           100 * (c.to_share - c.from_share));
      }
      if (k.other_values) {
        // What the values beyond --top hold on each side, as stats says it.
        std::uint64_t from_shown = 0, to_shown = 0;
        for (const auto& c : k.changes) {
          from_shown += c.from;
          to_shown += c.to;
        }
        out += fmt::format("  {} other {} ({} -> {} {})\n", k.other_values, k.other_values == 1 ? "value" : "values",
                           k.from.values - std::min(from_shown, k.from.values),
                           k.to.values - std::min(to_shown, k.to.values), k.to.unit);
      }
    }
    if (k.from.numbers || k.to.numbers) {
      auto cell = [](const std::optional<app::NumberStats>& n, auto get) { return n ? number(get(*n)) : "-"; };
      std::vector<std::pair<std::string, std::function<double(const app::NumberStats&)>>> rows = {
          {"count", [](const app::NumberStats& n) { return static_cast<double>(n.count); }},
          {"min", [](const app::NumberStats& n) { return n.min; }},
          {"max", [](const app::NumberStats& n) { return n.max; }},
          {"mean", [](const app::NumberStats& n) { return n.mean; }},
          {"std", [](const app::NumberStats& n) { return n.std; }}};
      const auto& levels = (k.from.numbers ? k.from.numbers : k.to.numbers)->quantiles;
      for (std::size_t q = 0; q < levels.size(); ++q) {
        rows.push_back(
            {number(levels[q].first * 100) + "%", [q](const app::NumberStats& n) { return n.quantiles[q].second; }});
      }
      const std::size_t side = std::clamp<std::size_t>(std::max(from_name.size(), to_name.size()), 12, 24);
      out += fmt::format("  {:<8}  {:>{}}  {:>{}}\n", "numbers", from_name.substr(0, side), side,
                         to_name.substr(0, side), side);
      for (const auto& [name, get] : rows) {
        out += fmt::format("  {:<8}  {:>{}}  {:>{}}\n", name, cell(k.from.numbers, get), side, cell(k.to.numbers, get),
                           side);
      }
      // Each side's histogram (--bins), over its own range.
      for (const auto& [name, numbers] : {std::pair{&from_name, &k.from.numbers}, std::pair{&to_name, &k.to.numbers}}) {
        if (!*numbers || (*numbers)->histogram.empty()) continue;
        out += fmt::format("  {}:\n", *name);
        draw_histogram(out, **numbers);
      }
    }
  }
  fmt::print("{}", out);
  return {};
}

}  // namespace ldb::cli
