// Word count over text files: the README's demo.
//
//   word_count [--lines N] [-o counts.txt] [path|glob|dir ...]
//
// With paths (files, globs like 'books/*.txt.gz', directories), counts their
// words. Without, it first writes a sample corpus of N lines (default
// 4,000,000, about 250 MB) as 8 files, half of them gzip, into a temporary
// directory, using parade itself. The counts go to -o (default: a file in the
// temporary directory); the ten most frequent words are printed. Ctrl-C stops
// it cleanly: it prints "word_count: cancelled" and exits with 130.
#include <parade/parade.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr std::string_view vocabulary[] = {
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by",
    "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had",
    "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if",
    "more", "when", "will", "would", "who", "so", "no", "parallel", "dataset", "worker", "stream"};

std::uint64_t mix(std::uint64_t x) {  // splitmix64: cheap and deterministic
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Line i of the sample: 8 to 23 words, skewed towards common ones, plus a
// rare numbered word so the key set is large.
std::string make_line(std::int64_t i) {
  std::string line;
  std::uint64_t h = mix(std::uint64_t(i));
  int words = 8 + int(h % 16);
  constexpr auto n = sizeof(vocabulary) / sizeof(vocabulary[0]);
  for (int w = 0; w < words; ++w) {
    h = mix(h);
    std::size_t pick = std::size_t((h % n) * (h % n) / n);
    if (!line.empty()) line += ' ';
    line += vocabulary[pick];
  }
  line += " w" + std::to_string(mix(h) % 100000);
  return line;
}

// Writes the sample corpus: 8 files, every other one gzip-compressed.
std::vector<std::string> write_sample(const fs::path& dir, std::int64_t lines) {
  fs::create_directories(dir);
  constexpr int files = 8;
  for (int f = 0; f < files; ++f) {
    auto name = (dir / ("part-" + std::to_string(f) + (f % 2 ? ".txt.gz" : ".txt"))).string();
    parade::range(lines * f / files, lines * (f + 1) / files, {.name = "Line numbers"})
        .map(make_line, {.name = "make text"})
        // Quiet: eight short runs would print eight displays before the one
        // that matters (the count). Ctrl-C still cancels them.
        .write_lines(name, {.name = "Writing sample " + std::to_string(f + 1) + "/" + std::to_string(files),
                            .status = parade::status_mode::off});
  }
  return {dir.string()};
}

void split_words(const std::string& line, parade::emitter<std::pair<std::string, std::int64_t>>& emit) {
  for (std::string_view w : parade::split_ws(line)) emit({std::string(w), 1});
}

}  // namespace

constexpr const char* usage =
    "usage: word_count [--lines N] [-o counts.txt] [path|glob|dir ...]\n"
    "  Counts the words of text files (plain, .gz, .zst, .bz2), on all cores.\n"
    "  Without paths, writes a sample corpus of N lines (default 4000000) first.\n"
    "  -o FILE    where the counts go (word<TAB>count, words ascending)\n"
    "  -          reads standard input\n";

int main(int argc, char** argv) {
  std::int64_t lines = 4'000'000;
  std::vector<std::string> inputs;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else if (a == "--lines" && i + 1 < argc) {
      lines = std::atoll(argv[++i]);
    } else if (a == "-o" && i + 1 < argc) {
      out = argv[++i];
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "word_count: unknown option %s\n%s", a.c_str(), usage);
      return 2;
    } else {
      inputs.push_back(a);
    }
  }
  auto tmp = fs::temp_directory_path() / "parade-word-count";
  if (out.empty()) out = (tmp / "counts.txt").string();
  try {
    // Under mpirun every rank runs this program (docs/cluster.md) and gets
    // the same results; rank 0 speaks for the job.
    bool speak = parade::rank() == 0;
    if (inputs.empty()) {
      if (speak) std::printf("writing a sample corpus of %lld lines to %s\n", static_cast<long long>(lines),
                  (tmp / "sample").c_str());
      std::fflush(stdout);
      inputs = write_sample(tmp / "sample", lines);
    }
    auto counts = parade::read_lines(inputs, {.name = "Text"})
                      .flat_map<std::pair<std::string, std::int64_t>>(split_words, {.name = "split", .output_name = "Words"})
                      .reduce_by_key(std::plus<>{}, {.name = "count"})
                      .collect({.name = "Word count"});  // ascending word order
    // Written atomically (word<TAB>count): the file appears complete or not at all.
    parade::from(counts).write_lines(out, {.name = "Writing counts"});
    auto top = std::move(counts);
    std::partial_sort(top.begin(), top.begin() + std::min<std::ptrdiff_t>(10, std::ptrdiff_t(top.size())), top.end(),
                      [](auto& a, auto& b) { return a.second > b.second; });
    if (!speak) return 0;
    std::printf("%zu distinct words, counts in %s; the most frequent:\n", top.size(), out.c_str());
    for (std::size_t i = 0; i < std::min<std::size_t>(10, top.size()); ++i)
      std::printf("  %-10s %lld\n", top[i].first.c_str(), static_cast<long long>(top[i].second));
  } catch (const parade::cancelled& e) {
    std::fprintf(stderr, "word_count: cancelled (%s)\n", e.what());
    return 130;
  } catch (const parade::error& e) {
    std::fprintf(stderr, "word_count: %s\n", e.what());
    return 1;
  }
}
