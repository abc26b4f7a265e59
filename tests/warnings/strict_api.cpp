// Every operation and action, instantiated with several element and key
// types, in a file built with -Wall -Wextra -Wshadow -Wconversion
// -Wsign-conversion -Wpedantic -Werror: users who build with warnings as
// errors can include parade. Run, it checks a few results.
#include <parade/parade.hpp>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

struct item {
  std::string name;
  double weight;
  bool operator==(const item&) const = default;
  template <class H>
  friend H AbslHashValue(H h, const item& i) {
    return H::combine(std::move(h), i.name, i.weight);
  }
};

int check(bool ok, const char* what) {
  if (!ok) std::fprintf(stderr, "strict_api: %s failed\n", what);
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  parade::run_options o{.workers = 2, .status = parade::status_mode::off};
  int bad = 0;
  auto nums = parade::range(0, 1000);
  auto sq = nums.map([](std::int64_t x) { return x * x; }, {.name = "square"});
  bad += check(sq.count(o) == 1000, "count");
  bad += check(sq.fold(std::int64_t{0}, std::plus<>{}, o) == 332833500, "fold");
  auto words = nums.flat_map<std::string>([](std::int64_t x, auto& emit) {
    const std::string line = "a b " + std::to_string(x % 7);
    for (auto w : parade::split_ws(line)) emit(std::string(w));
  });
  auto counts = words.map([](const std::string& w) { return std::pair<std::string, std::int64_t>(w, 1); })
                    .reduce_by_key(std::plus<>{})
                    .collect(o);
  bad += check(counts.size() == 9, "reduce_by_key");
  auto groups = nums.map([](std::int64_t x) { return std::pair<int, double>(int(x % 3), 0.5 * double(x)); })
                    .group_by_key()
                    .collect(o);
  bad += check(groups.size() == 3, "group_by_key");
  auto items = nums.map([](std::int64_t x) { return std::pair<item, int>(item{"i" + std::to_string(x % 4), 1.5}, 1); })
                   .reduce_by_key(std::plus<>{})
                   .count(o);
  bad += check(items == 4, "AbslHashValue keys");
  auto ranged = nums.flat_map([](std::int64_t x) { return std::vector<std::int64_t>(std::size_t(x % 3), x); })
                    .filter([](std::int64_t x) { return x % 2 == 0; })
                    .batch(10)
                    .map([](const std::vector<std::int64_t>& b) { return b.size(); })
                    .collect(o);
  bad += check(!ranged.empty(), "flat_map, filter, batch");
  auto owned = parade::range(0, 100).map([](std::int64_t x) { return std::make_unique<std::int64_t>(x); });
  std::vector<std::int64_t> seen;
  bad += check(owned.collect(o).size() == 100, "move-only collect");
  std::size_t n = 0;
  parade::from(std::vector<std::tuple<int, std::string, float>>{{1, "x", 0.5f}})
      .for_each([&n](const std::tuple<int, std::string, float>&) { ++n; }, {.workers = 1, .status = parade::status_mode::off});
  bad += check(n == 1, "for_each");
  int gen = 0;
  bad += check(parade::generate([&gen]() -> std::optional<int> { return gen < 5 ? std::optional(gen++) : std::nullopt; })
                       .count(o) == 5,
               "generate");
  auto ctx = nums.map([](std::int64_t x, std::string& scratch) {
    scratch = std::to_string(x);
    return scratch.size();
  }, parade::context([] { return std::string(); }));
  bad += check(ctx.count(o) == 1000, "context");
  // The keyed operations, joins and early-stopping actions.
  auto pairs = nums.map([](std::int64_t x) { return std::pair<std::int64_t, std::int64_t>(x % 10, x); });
  bad += check(nums.map([](std::int64_t x) { return x % 7; }).distinct().count(o) == 7, "distinct");
  bad += check(nums.map([](std::int64_t x) { return x % 7; }).count_by_value().count(o) == 7, "count_by_value");
  bad += check(nums.group_by([](std::int64_t x) { return x % 3; }).count(o) == 3, "group_by");
  bad += check(pairs.aggregate_by_key(std::int64_t{0}, std::plus<>{}, std::plus<>{}).count(o) == 10, "aggregate_by_key");
  bad += check(pairs.join(pairs).count(o) == 100000, "join");
  bad += check(pairs.left_join(pairs).count(o) == 100000, "left_join");
  bad += check(nums.concat(nums).enumerate().count(o) == 2000, "concat and enumerate");
  bad += check(nums.sample(0.5, 1).count(o) < 1000, "sample");
  bad += check(nums.take(3, o).size() == 3 && nums.first(o) == 0, "take and first");
  bad += check(nums.top(2, o).front() == 999 && nums.top(1, std::greater<>{}, o).front() == 0, "top");
  bad += check(nums.reduce(std::plus<>{}, o) == 499500, "reduce");
  char tmpl[] = "/tmp/parade-strict-XXXXXX";
  if (char* d = mkdtemp(tmpl)) {
    std::string dir = d;
    parade::from(counts).write_lines(dir + "/counts.txt.gz", o);
    parade::from(std::vector<double>{0.1, 2.5}).write_lines(dir + "/parts", {.parts = 2, .extension = ".txt"}, o);
    bad += check(parade::read_lines(dir + "/counts.txt.gz").count(o) == 9, "write_lines and read_lines");
    bad += check(parade::read_lines({dir + "/parts/part-00000.txt", dir + "/parts/part-00001.txt"}).count(o) == 2, "parts");
    std::remove((dir + "/counts.txt.gz").c_str());
    std::remove((dir + "/parts/part-00000.txt").c_str());
    std::remove((dir + "/parts/part-00001.txt").c_str());
    std::remove((dir + "/parts/_SUCCESS").c_str());
    std::remove((dir + "/parts").c_str());
    std::remove(dir.c_str());
  }
  return bad;
}
