// Random chains against a plain sequential reference, over the whole config
// matrix and random chunk sizes. PARADE_DIFF_CASES sets the number of cases.
#include "support.hpp"

#include <map>
#include <random>

namespace {

using i64 = std::int64_t;
using seq = std::vector<i64>;

enum class op_kind { map, flat_map_range, flat_map_emit, filter, batch, group, reduce, capped_map };
struct op {
  op_kind kind;
  i64 a, b;
};

std::string describe(const std::vector<op>& ops) {
  static const char* names[] = {"map", "flat_map", "flat_map<U>", "filter", "batch", "group_by_key", "reduce_by_key", "map(cap)"};
  std::string s;
  for (auto& o : ops) s += std::string(names[int(o.kind)]) + "(" + std::to_string(o.a) + "," + std::to_string(o.b) + ") ";
  return s;
}

i64 mapped(i64 x, const op& o) { return (x * o.a + o.b) % 100003; }
i64 group_hash(i64 k, const std::vector<i64>& vs) {  // order-sensitive
  i64 h = k;
  for (i64 v : vs) h = (h * 31 + v) % 1000000007;
  return h;
}

seq reference(seq in, const std::vector<op>& ops) {
  for (auto& o : ops) {
    seq out;
    switch (o.kind) {
      case op_kind::map:
      case op_kind::capped_map:
        for (i64 x : in) out.push_back(mapped(x, o));
        break;
      case op_kind::flat_map_range:
      case op_kind::flat_map_emit:
        for (i64 x : in)
          for (i64 k = 0; k < (x % o.a + o.a) % o.a; ++k) out.push_back(x + k);
        break;
      case op_kind::filter:
        for (i64 x : in)
          if ((x % o.a + o.a) % o.a != o.b) out.push_back(x);
        break;
      case op_kind::batch:
        for (std::size_t i = 0; i < in.size(); i += std::size_t(o.a)) {
          i64 s = 0;
          for (std::size_t j = i; j < std::min(in.size(), i + std::size_t(o.a)); ++j) s = (s * 7 + in[j]) % 1000003;
          out.push_back(s);
        }
        break;
      case op_kind::group: {
        std::map<i64, std::vector<i64>> m;
        for (i64 x : in) m[(x % o.a + o.a) % o.a].push_back(x);
        for (auto& [k, vs] : m) out.push_back(group_hash(k, vs));
        break;
      }
      case op_kind::reduce: {
        std::map<i64, i64> m;
        for (i64 x : in) m[(x % o.a + o.a) % o.a] += x;
        for (auto& [k, v] : m) out.push_back(k * 1000 + v);
        break;
      }
    }
    in = std::move(out);
  }
  return in;
}

parade::dataset<i64> apply(parade::dataset<i64> ds, const op& o) {
  switch (o.kind) {
    case op_kind::map:
      return ds.map([o](i64 x) { return mapped(x, o); });
    case op_kind::capped_map:
      return ds.map([o](i64 x) { return mapped(x, o); }, {.workers = std::size_t(o.b % 3 + 1)});
    case op_kind::flat_map_range:
      return ds.flat_map([o](i64 x) {
        seq v;
        for (i64 k = 0; k < (x % o.a + o.a) % o.a; ++k) v.push_back(x + k);
        return v;
      });
    case op_kind::flat_map_emit:
      return ds.flat_map<i64>([o](i64 x, auto& emit) {
        for (i64 k = 0; k < (x % o.a + o.a) % o.a; ++k) emit(x + k);
      });
    case op_kind::filter:
      return ds.filter([o](i64 x) { return (x % o.a + o.a) % o.a != o.b; });
    case op_kind::batch:
      return ds.batch(std::size_t(o.a)).map([](const seq& b) {
        i64 s = 0;
        for (i64 x : b) s = (s * 7 + x) % 1000003;
        return s;
      });
    case op_kind::group:
      return ds.map([o](i64 x) { return std::pair{(x % o.a + o.a) % o.a, x}; })
          .group_by_key()
          .map([](const std::pair<i64, seq>& g) { return group_hash(g.first, g.second); });
    case op_kind::reduce:
      return ds.map([o](i64 x) { return std::pair{(x % o.a + o.a) % o.a, x}; })
          .reduce_by_key(std::plus<>{})
          .map([](const std::pair<i64, i64>& p) { return p.first * 1000 + p.second; });
  }
  return ds;
}

}  // namespace

TEST(differential, random_chains_match_sequential_reference) {
  int cases = 4000;
  if (const char* env = std::getenv("PARADE_DIFF_CASES")) cases = std::atoi(env);
  std::mt19937_64 rng(20261124);
  auto pick = [&](i64 lo, i64 hi) { return std::uniform_int_distribution<i64>(lo, hi)(rng); };
  for (int c = 0; c < cases; ++c) {
    // Sizes: 0 and 1 often, otherwise up to a few thousand (sometimes more).
    i64 roll = pick(0, 9);
    i64 n = roll == 0 ? 0 : roll == 1 ? 1 : roll < 8 ? pick(2, 3000) : pick(3000, 40000);
    int source = int(pick(0, 2));
    std::vector<op> ops;
    for (i64 k = pick(0, 5); k > 0; --k) {
      auto kind = op_kind(pick(0, 7));
      op o{kind, 0, 0};
      switch (kind) {
        case op_kind::map: case op_kind::capped_map: o.a = pick(1, 50); o.b = pick(0, 1000); break;
        case op_kind::flat_map_range: case op_kind::flat_map_emit: o.a = pick(1, 4); break;
        case op_kind::filter: o.a = pick(2, 5); o.b = pick(0, o.a - 1); break;
        case op_kind::batch: o.a = pick(1, 50); break;
        case op_kind::group: case op_kind::reduce: o.a = pick(1, 2000); break;
      }
      ops.push_back(o);
    }
    seq input(static_cast<std::size_t>(n), 0);
    for (auto& x : input) x = pick(-1000, 100000);
    parade::dataset<i64> ds = source == 0   ? parade::range(0, n)
                              : source == 1 ? parade::from(input)
                                            : parade::generate([input, i = std::size_t(0)]() mutable -> std::optional<i64> {
                                                if (i == input.size()) return std::nullopt;
                                                return input[i++];
                                              });
    seq src = input;
    if (source == 0) for (i64 i = 0; i < n; ++i) src[std::size_t(i)] = i;
    for (auto& o : ops) ds = apply(ds, o);
    seq want = reference(src, ops);
    int action = int(pick(0, 5));  // mostly collect
    std::size_t max_chunk = std::size_t(pick(0, 3) == 0 ? pick(1, 64) : 0);
    parade::detail::tuning::max_chunk = max_chunk;
    ptest::each_config([&](const ptest::config& cfg) {
      SCOPED_TRACE("case " + std::to_string(c) + " source " + std::to_string(source) + " n " + std::to_string(n) +
                   " max_chunk " + std::to_string(max_chunk) + " ops " + describe(ops));
      if (action == 0) {
        ASSERT_EQ(ds.count(cfg.run()), want.size());
      } else if (action == 1) {
        i64 s = 0;
        for (i64 x : want) s += x;
        ASSERT_EQ(ds.fold(i64{0}, std::plus<>{}, cfg.run()), s);
      } else {
        ASSERT_EQ(ds.collect(cfg.run()), want);
      }
    });
    parade::detail::tuning::max_chunk = 0;
    if (HasFatalFailure()) return;
  }
}
