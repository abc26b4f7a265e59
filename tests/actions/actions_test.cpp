#include "support.hpp"
#include <numeric>

#include <mutex>

TEST(count, counts) {
  ptest::each_config([](const ptest::config& c) {
    EXPECT_EQ(parade::range(0, 0).count(c.run()), 0u);
    EXPECT_EQ(parade::range(0, 1).count(c.run()), 1u);
    EXPECT_EQ(parade::range(0, 1000003).filter([](std::int64_t x) { return x % 2; }).count(c.run()), 500001u);
  });
}

TEST(for_each, visits_every_element_once) {
  ptest::each_config([](const ptest::config& c) {
    std::vector<std::atomic<int>> seen(20000);
    parade::range(0, 20000).for_each([&](std::int64_t x) { seen[std::size_t(x)]++; }, c.run());
    for (auto& s : seen) ASSERT_EQ(s.load(), 1);
  });
}

TEST(for_each, with_context_per_worker) {
  std::mutex m;
  std::vector<std::int64_t> totals;
  struct acc {
    std::mutex* m;
    std::vector<std::int64_t>* out;
    std::int64_t sum = 0;
    acc(std::mutex* mm, std::vector<std::int64_t>* o) : m(mm), out(o) {}
    acc(acc&& o) noexcept : m(o.m), out(std::exchange(o.out, nullptr)), sum(o.sum) {}
    ~acc() {
      if (out) {
        std::lock_guard lk(*m);
        out->push_back(sum);
      }
    }
  };
  parade::range(0, 100000).for_each([](std::int64_t x, acc& a) { a.sum += x; },
                                    parade::context([&] { return acc(&m, &totals); }),
                                    {.workers = 4, .status = parade::status_mode::off});
  EXPECT_GE(totals.size(), 1u);
  EXPECT_LE(totals.size(), 4u);
  EXPECT_EQ(std::accumulate(totals.begin(), totals.end(), std::int64_t{0}), std::int64_t{99999} * 100000 / 2);
}

TEST(fold, sums_with_four_workers) {

  auto s = parade::range(0, 1000000).fold(std::int64_t{0}, std::plus<>{}, {.workers = 4, .status = parade::status_mode::off});
  EXPECT_EQ(s, std::int64_t{999999} * 1000000 / 2);
}

TEST(fold, non_commutative_f_keeps_input_order) {
  ptest::each_config([](const ptest::config& c) {
    // String concatenation is associative but not commutative.
    auto s = parade::range(0, 3000)
                 .map([](std::int64_t x) { return std::string(1, char('a' + x % 26)); })
                 .fold(std::string(), [](std::string a, std::string b) { return a + b; }, c.run());
    std::string want;
    for (int i = 0; i < 3000; ++i) want += char('a' + i % 26);
    EXPECT_EQ(s, want);
  });
}

namespace {
// Affine maps x -> a x + b mod p under composition: associative, not
// commutative, and small (trivially copyable): fold and reduce take their
// four-chain path on them.
struct affine {
  std::int64_t a, b;
};
constexpr std::int64_t affine_p = 1000003;
affine then(affine f, affine g) { return {f.a * g.a % affine_p, (g.a * f.b + g.b) % affine_p}; }  // g after f
affine affine_of(std::int64_t x) { return {x % 7 + 2, x % 11}; }
const std::int64_t affine_sizes[] = {1, 63, 64, 67, 1000, 4099, 200001};
}  // namespace

// Small values fold in four interleaved chains a batch (each from zero, then
// joined in order): with an associative, non-commutative f on a trivially
// copyable type (composing affine maps x -> a*x + b mod p), the result must
// still be the left-to-right composition, for every batch and chunk size.
TEST(fold, non_commutative_f_on_small_values_keeps_input_order) {
  for (std::int64_t n : affine_sizes) {
    affine want{1, 0};
    for (std::int64_t x = 0; x < n; ++x) want = then(want, affine_of(x));
    ptest::each_config([&](const ptest::config& c) {
      auto got = parade::range(0, n).map(affine_of).fold(affine{1, 0}, then, c.run());
      EXPECT_EQ(got.a, want.a) << "n=" << n;
      EXPECT_EQ(got.b, want.b) << "n=" << n;
    });
  }
}

// reduce does the same with each quarter seeded by its first element.
TEST(reduce, non_commutative_f_on_small_values_keeps_input_order) {
  for (std::int64_t n : affine_sizes) {
    affine want = affine_of(0);
    for (std::int64_t x = 1; x < n; ++x) want = then(want, affine_of(x));
    ptest::each_config([&](const ptest::config& c) {
      auto got = parade::range(0, n).map(affine_of).reduce(then, c.run());
      ASSERT_TRUE(got.has_value());
      EXPECT_EQ(got->a, want.a) << "n=" << n;
      EXPECT_EQ(got->b, want.b) << "n=" << n;
    });
  }
}

TEST(fold, empty_gives_zero_and_zero_is_used_once_per_chunk_only) {
  EXPECT_EQ(parade::range(0, 0).fold(std::int64_t{7}, std::plus<>{}, {.status = parade::status_mode::off}), 7);
}

TEST(collect, large_strings_in_order) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::range(0, 30000).map([](std::int64_t x) { return std::string(std::size_t(x % 50), 'x') + std::to_string(x); }).collect(c.run());
    ASSERT_EQ(out.size(), 30000u);
    for (std::size_t i = 0; i < out.size(); i += 997) EXPECT_EQ(out[i], std::string(i % 50, 'x') + std::to_string(i));
  });
}
