// Backpressure: a chain over a generator of big elements keeps only a small
// fraction of them alive at once.
#include "support.hpp"

#include <array>

namespace {

std::atomic<long> g_live{0}, g_peak{0};

void note_alive() {
  long now = ++g_live;
  long p = g_peak.load();
  while (now > p && !g_peak.compare_exchange_weak(p, now)) {}
}

struct blob {  // 4 KiB, counted
  std::array<char, 4096> bytes{};
  blob() { note_alive(); }
  blob(const blob& o) : bytes(o.bytes) { note_alive(); }
  blob(blob&& o) noexcept : bytes(o.bytes) { note_alive(); }
  blob& operator=(const blob&) = default;
  blob& operator=(blob&&) = default;
  ~blob() { --g_live; }
};

}  // namespace

TEST(memory, big_elements_stream_with_bounded_buffers) {
  for (std::size_t workers : {2, 8}) {
    g_live = 0;
    g_peak = 0;
    const long total = 200000;
    auto n = parade::generate([i = 0L]() mutable -> std::optional<blob> {
               if (i == total) return std::nullopt;
               blob b;
               b.bytes[0] = char(i++ % 128);
               return b;
             }, {.length = std::uint64_t(total)})
                 .map([](blob b) {
                   b.bytes[1] = b.bytes[0];
                   return b;
                 })
                 .filter([](const blob& b) { return b.bytes[1] >= 0; })
                 .count({.workers = workers, .status = parade::status_mode::off});
    EXPECT_EQ(n, std::size_t(total));
    EXPECT_EQ(g_live.load(), 0);
    // 200,000 processed (800 MB); at most a few chunks per worker alive.
    EXPECT_LT(g_peak.load(), total / 10) << "workers=" << workers << " peak alive " << g_peak.load();
    std::printf("workers=%zu: peak %ld of %ld blobs alive (%.1f MB)\n", workers, g_peak.load(), total,
                double(g_peak.load()) * 4096 / 1e6);
  }
}
