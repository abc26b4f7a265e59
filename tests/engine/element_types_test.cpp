// Users' own element types: move-only ones (std::unique_ptr, structs holding
// one), and ones with no default constructor and no assignment, through the
// chains a new user writes first.
#include "support.hpp"

#include <atomic>
#include <memory>

namespace {

struct image {
  std::int64_t id;
  std::vector<unsigned char> pixels;
  explicit image(std::int64_t i) : id(i), pixels(std::size_t(i % 7 + 1), static_cast<unsigned char>(i)) {}
  image(image&&) = default;
  image& operator=(image&&) = default;
  image(const image&) = delete;
};

struct reading {  // no default constructor, a const member: no assignment
  const std::string sensor;
  const double value;
  reading(std::string s, double v) : sensor(std::move(s)), value(v) {}
};

parade::run_options quiet(std::size_t workers = 2) { return {.workers = workers, .status = parade::status_mode::off}; }

}  // namespace

TEST(element_types, unique_ptr_through_map_filter_batch_and_collect) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::range(0, 5000)
                   .map([](auto i) { return std::make_unique<image>(i); })
                   .filter([](const std::unique_ptr<image>& p) { return p->id % 3 != 0; })
                   .batch(10)
                   .map([](std::vector<std::unique_ptr<image>> b) { return std::move(b.back()); })
                   .collect(c.run());
    std::vector<std::int64_t> ids;
    for (auto& p : out) ids.push_back(p->id);
    std::vector<std::int64_t> want;
    std::vector<std::int64_t> kept;
    for (std::int64_t i = 0; i < 5000; ++i)
      if (i % 3 != 0) kept.push_back(i);
    for (std::size_t i = 0; i < kept.size(); i += 10) want.push_back(kept[std::min(kept.size(), i + 10) - 1]);
    EXPECT_EQ(ids, want);
  });
}

TEST(element_types, from_a_moved_vector_of_unique_ptrs_is_read_once) {
  std::vector<std::unique_ptr<image>> v;
  for (std::int64_t i = 0; i < 1000; ++i) v.push_back(std::make_unique<image>(i));
  auto ds = parade::from(std::move(v));
  auto total = std::make_shared<std::atomic<std::int64_t>>(0);
  ds.for_each([total](std::unique_ptr<image>&& p) { *total += p->id; }, quiet());
  EXPECT_EQ(total->load(), 999 * 1000 / 2);
  // The elements have been moved out: a second action says so.
  try {
    ds.count(quiet());
    FAIL();
  } catch (const parade::error& e) {
    EXPECT_NE(std::string(e.what()).find("move-only"), std::string::npos) << e.what();
  }
}

TEST(element_types, group_and_reduce_unique_ptr_values) {
  ptest::each_config([](const ptest::config& c) {
    auto groups = parade::range(0, 3000)
                      .map([](std::int64_t i) { return std::pair{i % 7, std::make_unique<image>(i)}; })
                      .group_by_key()
                      .collect(c.run());
    ASSERT_EQ(groups.size(), 7u);
    for (auto& [k, vs] : groups) {
      std::int64_t expect = k;
      for (auto& p : vs) {  // values in input order
        ASSERT_EQ(p->id, expect);
        expect += 7;
      }
    }
    auto sums = parade::range(0, 3000)
                    .map([](std::int64_t i) { return std::pair{i % 5, std::make_unique<std::int64_t>(i)}; })
                    .reduce_by_key([](std::unique_ptr<std::int64_t> a, std::unique_ptr<std::int64_t> b) {
                      *a += *b;
                      return a;
                    })
                    .collect(c.run());
    ASSERT_EQ(sums.size(), 5u);
    for (auto& [k, p] : sums) {
      std::int64_t want = 0;
      for (std::int64_t i = k; i < 3000; i += 5) want += i;
      EXPECT_EQ(*p, want);
    }
  });
}

TEST(element_types, no_default_constructor_and_no_assignment) {
  ptest::each_config([](const ptest::config& c) {
    auto ds = parade::range(0, 2000).map([](std::int64_t i) { return reading("s" + std::to_string(i % 4), double(i)); });
    EXPECT_EQ(ds.count(c.run()), 2000u);
    auto kept = ds.filter([](const reading& r) { return r.value >= 1000; }).collect(c.run());
    ASSERT_EQ(kept.size(), 1000u);
    EXPECT_EQ(kept.front().value, 1000);
    auto by_sensor = ds.map([](reading r) { return std::pair<std::string, reading>(r.sensor, std::move(r)); })
                         .reduce_by_key([](reading a, const reading& b) { return reading(a.sensor, a.value + b.value); })
                         .collect(c.run());
    ASSERT_EQ(by_sensor.size(), 4u);
    EXPECT_EQ(by_sensor[0].first, "s0");
    EXPECT_EQ(by_sensor[0].second.value, 499000);  // 0 + 4 + ... + 1996
    auto total = ds.fold(reading("all", 0), [](reading a, reading b) { return reading("all", a.value + b.value); }, c.run());
    EXPECT_EQ(total.value, 1999000);
  });
}

TEST(element_types, for_each_takes_references_rvalues_or_values) {
  auto ds = parade::range(0, 100).map([](std::int64_t i) { return std::to_string(i); });
  std::atomic<std::size_t> chars{0};
  ds.for_each([&](std::string& s) { s += "!"; chars += s.size(); }, quiet());
  ds.for_each([&](std::string&& s) { std::string mine = std::move(s); chars += mine.size(); }, quiet());
  ds.for_each([&](std::string s) { chars += s.size(); }, quiet());
  ds.for_each([&](const std::string& s) { chars += s.size(); }, quiet());
  EXPECT_EQ(chars.load(), 4u * 190 + 100);  // 190 digits, plus "!" once each
}
