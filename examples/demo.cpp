// The demo: word count over text it generates itself, on all cores.
//
//   demo [lines]      (default 10,000,000 lines: about 165 million words)
//
// range -> map (make a line) -> flat_map (split into words) -> reduce_by_key
// (count) -> map -> collect, then the ten most frequent words. Ctrl-C stops it
// cleanly: it prints "demo: cancelled" and exits with 130.
#include <parade/parade.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr std::string_view vocabulary[] = {
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by",
    "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had",
    "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if",
    "more", "when", "will", "would", "who", "so", "no", "parallel", "dataset", "worker", "stream"};

std::uint64_t mix(std::uint64_t x) {  // splitmix64: a cheap, deterministic hash
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Line i of the synthetic corpus: 8 to 23 words, skewed towards common ones,
// plus a rare numbered word so the key set is large.
std::string make_line(std::int64_t i) {
  std::string line;
  std::uint64_t h = mix(std::uint64_t(i));
  int words = 8 + int(h % 16);
  constexpr auto n = sizeof(vocabulary) / sizeof(vocabulary[0]);
  for (int w = 0; w < words; ++w) {
    h = mix(h);
    std::size_t pick = std::size_t((h % n) * (h % n) / n);  // skewed: low indices more often
    if (!line.empty()) line += ' ';
    line += vocabulary[pick];
  }
  line += " w" + std::to_string(mix(h) % 100000);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t lines = argc > 1 ? std::atoll(argv[1]) : 10'000'000;
  try {
    auto counts =
        parade::range(0, lines, {.name = "Line numbers"})
            .map(make_line, {.name = "make text", .output_name = "Lines"})
            .flat_map<std::pair<std::string, std::int64_t>>(
                [](const std::string& line, auto& emit) {
                  std::size_t start = 0;
                  while (start < line.size()) {
                    std::size_t end = line.find(' ', start);
                    if (end == std::string::npos) end = line.size();
                    if (end > start) emit({line.substr(start, end - start), 1});
                    start = end + 1;
                  }
                },
                {.name = "split", .output_name = "Words"})
            .reduce_by_key(std::plus<>{}, {.name = "count"})
            .collect({.name = "Word count"});
    std::sort(counts.begin(), counts.end(), [](auto& a, auto& b) { return a.second > b.second; });
    std::printf("%lld lines, %zu distinct words; the most frequent:\n", static_cast<long long>(lines),
                counts.size());
    for (std::size_t i = 0; i < std::min<std::size_t>(10, counts.size()); ++i)
      std::printf("  %-10s %lld\n", counts[i].first.c_str(), static_cast<long long>(counts[i].second));
  } catch (const parade::cancelled& e) {
    std::fprintf(stderr, "demo: cancelled (%s)\n", e.what());
    return 130;
  } catch (const parade::error& e) {
    std::fprintf(stderr, "demo: %s\n", e.what());
    return 1;
  }
}
