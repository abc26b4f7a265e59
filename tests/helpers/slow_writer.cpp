// A test helper: writes slow elements (300 ms each) to argv[1] with
// write_lines, so that after a first Ctrl-C the run is still stopping (each
// worker finishes its element) when a second one comes. Prints "writing" on
// stderr once the first element is being made; exits 130 when cancelled.
#include <parade/parade.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::atomic<bool> said{false};
  try {
    parade::range(0, 1000)
        .map([&](std::int64_t x) {
          if (!said.exchange(true)) parade::log("writing");
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          return x;
        })
        .write_lines(argv[1], {.workers = 2, .status = parade::status_mode::off});
  } catch (const parade::cancelled&) {
    std::fprintf(stderr, "slow_writer: cancelled\n");
    return 130;
  }
  return 0;
}
