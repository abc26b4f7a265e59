// Fuzzes the line reader: the input (after one byte choosing the byte-range
// size) is a file, read by read_lines on 2 workers with ranges that small,
// and must give exactly the lines std::getline gives.
#include <parade/parade.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::string path = "/tmp/parade-fuzz-lines-" + std::to_string(getpid()) + ".txt";
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  // A compressed magic would make it a different reader: that one is fuzzed
  // by fuzz_decoders.
  if (text.size() >= 2 && ((text[0] == '\x1f' && text[1] == '\x8b') || text.rfind("BZh", 0) == 0 ||
                           text.rfind("\x28\xb5\x2f\xfd", 0) == 0))
    return 0;
  { std::ofstream(path, std::ios::binary) << text; }
  parade::detail::tuning::max_chunk = std::size_t(data[0] % 64) + 1;
  auto got = parade::read_lines(path).collect({.workers = 2, .status = parade::status_mode::off});
  std::remove(path.c_str());  // libFuzzer ends the process without unwinding: leave nothing behind
  std::istringstream in(text);
  std::vector<std::string> want;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    want.push_back(line);
  }
  if (got != want) {
    std::fprintf(stderr, "mismatch: %zu lines read, %zu expected (range size %d)\n", got.size(), want.size(),
                 int(data[0] % 64) + 1);
    std::abort();
  }
  return 0;
}
