// Backpressure: a chain over a generator of big elements keeps only a small
// fraction of them alive at once. And what an accumulator grew by in place
// (heap_mark / heap_grown), which the keyed steps count against the budget.
#include "support.hpp"

#include <parade/detail/memory.hpp>

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

namespace pd = parade::detail;

TEST(memory, heap_grown_sees_a_string_grow_and_nothing_in_plain_values) {
  std::string s = "short";
  auto m = pd::heap_mark(s);
  s += std::string(1000, 'x');
  EXPECT_EQ(pd::heap_grown(s, m), pd::heap_bytes(s));  // from inside the object to a block
  auto m2 = pd::heap_mark(s);
  s.resize(10);  // shrinking is not growth
  EXPECT_EQ(pd::heap_grown(s, m2), 0u);
  std::int64_t sum = 1;
  auto mi = pd::heap_mark(sum);
  sum += 41;
  EXPECT_EQ(pd::heap_grown(sum, mi), 0u);
}

TEST(memory, heap_grown_of_a_vector_measures_only_what_was_appended) {
  std::vector<std::string> v;
  std::size_t total = 0;
  for (int i = 0; i < 3000; ++i) {
    auto m = pd::heap_mark(v);
    v.push_back(std::string(40 + i % 50, 'a'));
    total += pd::heap_grown(v, m);
  }
  // Summed over the appends, the growth is what the vector now owns.
  EXPECT_EQ(total, pd::heap_bytes(v));
  // Inside a pair (an aggregate's accumulator): each part measured.
  std::pair<std::vector<std::int64_t>, std::string> acc;
  auto m = pd::heap_mark(acc);
  acc.first.assign(1000, 7);
  acc.second = std::string(300, 'b');
  EXPECT_EQ(pd::heap_grown(acc, m), pd::heap_bytes(acc));
  EXPECT_GE(pd::heap_grown(acc, m), 1000 * sizeof(std::int64_t) + 300);
}

// optional and unique_ptr are marked by what they hold: an accumulator of
// optional<vector<string>> that keeps growing is measured in time linear in
// what was appended, not in its whole size at every add.
TEST(memory, heap_grown_sees_into_optional_and_unique_ptr) {
  std::optional<std::vector<std::string>> opt;
  std::unique_ptr<std::vector<std::string>> ptr;
  std::size_t grown_opt = 0, grown_ptr = 0;
  for (int i = 0; i < 3000; ++i) {
    auto mo = pd::heap_mark(opt);
    auto mp = pd::heap_mark(ptr);
    if (!opt) opt.emplace();
    if (!ptr) ptr = std::make_unique<std::vector<std::string>>();
    opt->push_back(std::string(40 + i % 50, 'a'));
    ptr->push_back(std::string(40 + i % 50, 'a'));
    grown_opt += pd::heap_grown(opt, mo);
    grown_ptr += pd::heap_grown(ptr, mp);
  }
  EXPECT_EQ(grown_opt, pd::heap_bytes(opt));
  EXPECT_EQ(grown_ptr, pd::heap_bytes(ptr));
  // The mark holds no measure of the whole: a mark taken of a big vector
  // inside an optional is its capacity and size.
  auto m = pd::heap_mark(opt);
  static_assert(std::is_same_v<decltype(m), std::optional<std::pair<std::size_t, std::size_t>>>);
  EXPECT_EQ(m->second, 3000u);
  // Emptied: nothing grew.
  opt.reset();
  EXPECT_EQ(pd::heap_grown(opt, m), 0u);
}
