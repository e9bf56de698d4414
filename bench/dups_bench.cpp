// Near-duplicate search at scale (ldb dups): near_pairs, then near_groups from
// the pairs and from the hashes, over N random 64-bit hashes of which 1% are
// planted partners of an earlier hash, 0..10 bits away. Each threshold runs in
// its own child process so its peak RSS (getrusage of the child; the hashes
// included) is its own. Wall and CPU seconds are printed: the machine is shared
// with other work, and a load above its 2 cores inflates wall times.
//
//   dups_bench [N [THRESHOLD...]]      default: 1000000 6 8 10 12
//
// The target: 1M hashes in under 10 s and 1 GB on the 2-core machine.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "image/near_dups.hpp"

namespace {

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Data {
  std::vector<std::uint64_t> hashes;
  std::vector<ldb::image::NearPair> planted;  // (original, partner, distance)
};

Data planted_hashes(std::size_t n) {
  std::uint64_t state = 1;
  Data data;
  data.hashes.resize(n);
  const std::size_t partners = n / 100;
  for (std::size_t i = 0; i < n - partners; ++i) data.hashes[i] = splitmix(state);
  for (std::size_t i = n - partners; i < n; ++i) {
    const std::size_t original = splitmix(state) % (n - partners);
    const unsigned distance = static_cast<unsigned>(splitmix(state) % 11);
    // Flip `distance` distinct bits.
    std::uint64_t flips = 0;
    while (static_cast<unsigned>(std::popcount(flips)) < distance) flips |= std::uint64_t{1} << (splitmix(state) % 64);
    data.hashes[i] = data.hashes[original] ^ flips;
    data.planted.push_back(
        {static_cast<std::uint32_t>(original), static_cast<std::uint32_t>(i), static_cast<std::uint8_t>(distance)});
  }
  return data;
}

// How many planted pairs within the threshold near_pairs missed (a check that
// the search is exact at this scale too, where the tests' brute force is not).
std::size_t missed(const Data& data, const std::vector<ldb::image::NearPair>& pairs, unsigned threshold) {
  std::size_t count = 0;
  for (const auto& p : data.planted) {
    if (p.distance > threshold) continue;
    const bool found = std::binary_search(
        pairs.begin(), pairs.end(), p, [](const auto& l, const auto& r) { return l.a != r.a ? l.a < r.a : l.b < r.b; });
    if (!found) ++count;
  }
  return count;
}

// The machine is shared: a load above the core count inflates wall times.
std::string load_average() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return "unknown";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %.2f %.2f", load[0], load[1], load[2]);
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs one threshold; prints one line; the exit code says whether it worked.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);  // all threads, finished ones too
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int run(const Data& data, unsigned threshold) {
  const auto& hashes = data.hashes;
  const double cpu_start = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  auto pairs = ldb::image::near_pairs(hashes, threshold);
  const double pairs_s = seconds_since(start);
  if (!pairs) {
    std::fprintf(stderr, "near_pairs: %s\n", pairs.error().message.c_str());
    return 1;
  }
  if (const std::size_t lost = missed(data, *pairs, threshold); lost > 0) {
    std::fprintf(stderr, "near_pairs missed %zu planted pairs\n", lost);
    return 1;
  }
  start = std::chrono::steady_clock::now();
  const auto groups = ldb::image::near_groups(hashes.size(), *pairs);
  const double groups_s = seconds_since(start);
  const double cpu_s = cpu_seconds() - cpu_start;
  const std::size_t pair_count = pairs->size();
  *pairs = {};
  start = std::chrono::steady_clock::now();
  auto direct = ldb::image::near_groups(hashes, threshold);
  const double direct_s = seconds_since(start);
  if (!direct || *direct != groups) {
    std::fprintf(stderr, "near_groups(hashes) differs from near_groups(pairs)\n");
    return 1;
  }
  std::size_t grouped = 0;
  for (const auto& g : groups) grouped += g.size();
  std::printf("%9zu %4u %10zu %8zu %9zu %8.2f %8.2f %8.2f %8.2f %8.2f", hashes.size(), threshold, pair_count,
              groups.size(), grouped, pairs_s, groups_s, direct_s, pairs_s + groups_s, cpu_s);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::vector<unsigned> thresholds;
  for (int i = 2; i < argc; ++i) thresholds.push_back(static_cast<unsigned>(std::strtoul(argv[i], nullptr, 10)));
  if (thresholds.empty()) thresholds = {6, 8, 10, 12};
  if (n < 100) {
    std::fprintf(stderr, "usage: dups_bench [N >= 100 [THRESHOLD...]]\n");
    return 2;
  }

  const auto start = std::chrono::steady_clock::now();
  const Data data = planted_hashes(n);
  std::printf("generated %zu hashes (1%% planted partners 0..10 bits away) in %.2f s\n", n, seconds_since(start));
  std::printf("# pairs_s: near_pairs; groups_s: near_groups(n, pairs); direct_s: near_groups(hashes, t);\n");
  std::printf("# total_s = pairs_s + groups_s (wall), cpu_s their CPU time (user + sys, all threads); peak RSS:\n");
  std::printf("# the child process's, the hashes included. Load average at the start: %s\n", load_average().c_str());
  std::printf("%9s %4s %10s %8s %9s %8s %8s %8s %8s %8s %9s\n", "hashes", "t", "pairs", "groups", "grouped", "pairs_s",
              "groups_s", "direct_s", "total_s", "cpu_s", "peak_MiB");
  std::fflush(stdout);
  int status = 0;
  for (unsigned t : thresholds) {
    std::fflush(stdout);  // else the child inherits and prints the buffer again
    const pid_t child = fork();
    if (child < 0) {
      std::perror("fork");
      return 1;
    }
    if (child == 0) _exit(run(data, t));
    int child_status = 0;
    rusage usage{};
    if (wait4(child, &child_status, 0, &usage) < 0) {
      std::perror("wait4");
      return 1;
    }
    const bool ok = WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0;
    std::printf(" %9.0f%s\n", static_cast<double>(usage.ru_maxrss) / 1024.0, ok ? "" : "  FAILED");
    if (!ok) status = 1;
  }
  return status;
}
