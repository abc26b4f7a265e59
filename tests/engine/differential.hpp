// The randomized differential test's machinery: random chains of every
// operation over several element kinds, checked against a plain sequential
// reference. Shared by the single-process test (engine/differential_test.cpp)
// and the MPI one (mpi/mpi_differential_test.cpp), which runs the same
// chains on several ranks and expects the same results on every rank.
#pragma once

#include "support.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>

namespace diff {


using i64 = std::int64_t;
using seq = std::vector<i64>;

// ---- element kinds: each wraps an i64 --------------------------------------

struct int_kind {
  using type = i64;
  static constexpr const char* name = "int64";
  static type make(i64 v) { return v; }
  static i64 get(const type& x) { return x; }
};

struct string_kind {
  using type = std::string;
  static constexpr const char* name = "string";
  // Long enough to live on the heap, so moves and copies are real.
  static type make(i64 v) { return "value-number-" + std::to_string(v); }
  static i64 get(const type& x) { return std::stoll(x.substr(13)); }
};

struct move_only {
  std::unique_ptr<i64> v;
  explicit move_only(i64 x) : v(std::make_unique<i64>(x)) {}
  move_only(move_only&&) = default;
  move_only& operator=(move_only&&) = default;
};
struct move_only_kind {
  using type = move_only;
  static constexpr const char* name = "move-only";
  static type make(i64 v) { return move_only(v); }
  static i64 get(const type& x) { return *x.v; }
};

struct fixed {  // no default constructor, no assignment
  const i64 v;
  explicit fixed(i64 x) : v(x) {}
};
struct fixed_kind {
  using type = fixed;
  static constexpr const char* name = "const-member";
  static type make(i64 v) { return fixed(v); }
  static i64 get(const type& x) { return x.v; }
};

// ---- the operations ----------------------------------------------------------

enum class op_kind {
  map, flat_map_range, flat_map_emit, filter, batch, group, reduce, capped_map, sort_by, sort_desc,
  distinct, group_by, aggregate, count_by_value, join, left_join, concat, enumerate, sample, count
};
struct op {
  op_kind kind;
  i64 a, b;
};

inline std::string describe(const std::vector<op>& ops) {
  static const char* names[] = {"map", "flat_map", "flat_map<U>", "filter", "batch", "group_by_key", "reduce_by_key", "map(cap)", "sort_by", "sort(>)",
                                "distinct", "group_by", "aggregate_by_key", "count_by_value", "join", "left_join", "concat", "enumerate", "sample"};
  std::string s;
  for (auto& o : ops) s += std::string(names[int(o.kind)]) + "(" + std::to_string(o.a) + "," + std::to_string(o.b) + ") ";
  return s;
}

inline i64 mapped(i64 x, const op& o) { return (x * o.a + o.b) % 100003; }
inline i64 key_of(i64 x, const op& o) { return (x % o.a + o.a) % o.a; }
inline i64 group_hash(i64 k, const std::vector<i64>& vs) {  // order-sensitive
  i64 h = k;
  for (i64 v : vs) h = (h * 31 + v) % 1000000007;
  return h;
}

// `largest_group`: the most values any group_by_key of the chain gathers.
inline seq reference(seq in, const std::vector<op>& ops, std::size_t& largest_group) {
  largest_group = 0;
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
          for (i64 k = 0; k < key_of(x, o); ++k) out.push_back(x + k);
        break;
      case op_kind::filter:
        for (i64 x : in)
          if (key_of(x, o) != o.b) out.push_back(x);
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
        for (i64 x : in) m[key_of(x, o)].push_back(x);
        for (auto& [k, vs] : m) out.push_back(group_hash(k, vs)), largest_group = std::max(largest_group, vs.size());
        break;
      }
      case op_kind::reduce: {
        std::map<i64, i64> m;
        for (i64 x : in) m[key_of(x, o)] += x;
        for (auto& [k, v] : m) out.push_back(k * 1000 + v);
        break;
      }
      case op_kind::sort_by:
        out = in;
        std::stable_sort(out.begin(), out.end(), [&](i64 x, i64 y) { return key_of(x, o) < key_of(y, o); });
        break;
      case op_kind::sort_desc:
        out = in;
        std::stable_sort(out.begin(), out.end(), std::greater<>{});
        break;
      case op_kind::distinct: {
        std::map<i64, int> m;
        for (i64 x : in) m[key_of(x, o)];
        for (auto& kv : m) out.push_back(kv.first);
        break;
      }
      case op_kind::group_by: {
        std::map<i64, std::vector<i64>> m;
        for (i64 x : in) m[key_of(x, o)].push_back(x);
        for (auto& [k, vs] : m) out.push_back(group_hash(k, vs)), largest_group = std::max(largest_group, vs.size());
        break;
      }
      case op_kind::aggregate: {
        std::map<i64, std::pair<i64, i64>> m;
        for (i64 x : in) m[key_of(x, o)].first += x, m[key_of(x, o)].second += 1;
        for (auto& [k, a] : m) out.push_back(k * 1000 + a.first + 7 * a.second);
        break;
      }
      case op_kind::count_by_value: {
        std::map<i64, i64> m;
        for (i64 x : in) ++m[key_of(x, o)];
        for (auto& [k, c] : m) out.push_back(k * 1000 + c);
        break;
      }
      case op_kind::join:
      case op_kind::left_join: {
        std::map<i64, std::pair<std::vector<i64>, std::vector<i64>>> m;
        for (i64 x : in) m[key_of(x, o)].first.push_back(x);
        for (i64 y = 0; y < o.b; ++y) m[y % o.a].second.push_back(y * 3);
        for (auto& [k, lr] : m) {
          if (lr.second.empty() && o.kind == op_kind::left_join)
            for (i64 v : lr.first) out.push_back(k * 7 + v - 1);
          for (i64 w : lr.second)
            for (i64 v : lr.first) out.push_back(k * 7 + v + w);
        }
        break;
      }
      case op_kind::concat:
        out = in;
        for (i64 y = 0; y < o.b; ++y) out.push_back(y * 2);
        break;
      case op_kind::enumerate:
        for (std::size_t i = 0; i < in.size(); ++i) out.push_back(i64(i) * 3 + in[i]);
        break;
      case op_kind::sample: {
        auto th = parade::detail::sample_threshold(0.5);
        for (std::size_t i = 0; i < in.size(); ++i)
          if (parade::detail::sample_keeps(std::uint64_t(o.a), i, th)) out.push_back(in[i]);
        break;
      }
      case op_kind::count: break;
    }
    in = std::move(out);
  }
  return in;
}

template <class K>
parade::dataset<typename K::type> apply(parade::dataset<typename K::type> ds, const op& o) {
  using E = typename K::type;
  switch (o.kind) {
    case op_kind::map:  // takes its element by value: moved in
      return ds.map([o](E x) { return K::make(mapped(K::get(x), o)); });
    case op_kind::capped_map:
      return ds.map([o](const E& x) { return K::make(mapped(K::get(x), o)); }, {.workers = std::size_t(o.b % 3 + 1)});
    case op_kind::flat_map_range:
      return ds.flat_map([o](const E& e) {
        i64 x = K::get(e);
        std::vector<E> v;
        for (i64 k = 0; k < key_of(x, o); ++k) v.push_back(K::make(x + k));
        return v;
      });
    case op_kind::flat_map_emit:
      return ds.template flat_map<E>([o](const E& e, auto& emit) {
        i64 x = K::get(e);
        for (i64 k = 0; k < key_of(x, o); ++k) emit(K::make(x + k));
      });
    case op_kind::filter:
      return ds.filter([o](const E& x) { return key_of(K::get(x), o) != o.b; });
    case op_kind::batch:
      return ds.batch(std::size_t(o.a)).map([](const std::vector<E>& b) {
        i64 s = 0;
        for (auto& x : b) s = (s * 7 + K::get(x)) % 1000003;
        return K::make(s);
      });
    case op_kind::group:
      return ds.map([o](E x) { return std::pair<i64, E>(key_of(K::get(x), o), std::move(x)); })
          .group_by_key()
          .map([](const std::pair<i64, std::vector<E>>& g) {
            std::vector<i64> vs;
            for (auto& x : g.second) vs.push_back(K::get(x));
            return K::make(group_hash(g.first, vs));
          });
    case op_kind::reduce:
      return ds.map([o](E x) { return std::pair<i64, E>(key_of(K::get(x), o), std::move(x)); })
          .reduce_by_key([](E a, E b) { return K::make(K::get(a) + K::get(b)); })
          .map([](const std::pair<i64, E>& p) { return K::make(p.first * 1000 + K::get(p.second)); });
    case op_kind::sort_by:  // stable: equal keys keep their order
      return ds.sort_by([o](const E& x) { return key_of(K::get(x), o); });
    case op_kind::sort_desc:
      return ds.sort([](const E& x, const E& y) { return K::get(x) > K::get(y); });
    case op_kind::distinct:
      return ds.map([o](const E& x) { return key_of(K::get(x), o); }).distinct().map([](i64 k) { return K::make(k); });
    case op_kind::group_by:
      return ds.group_by([o](const E& x) { return key_of(K::get(x), o); })
          .map([](const std::pair<i64, std::vector<E>>& g) {
            std::vector<i64> vs;
            for (auto& x : g.second) vs.push_back(K::get(x));
            return K::make(group_hash(g.first, vs));
          });
    case op_kind::aggregate: {
      using acc = std::pair<i64, i64>;
      return ds.map([o](const E& x) { return std::pair<i64, i64>(key_of(K::get(x), o), K::get(x)); })
          .aggregate_by_key(acc{0, 0}, [](acc a, i64 v) { return acc{a.first + v, a.second + 1}; },
                            [](acc a, acc b) { return acc{a.first + b.first, a.second + b.second}; })
          .map([](const std::pair<i64, acc>& p) { return K::make(p.first * 1000 + p.second.first + 7 * p.second.second); });
    }
    case op_kind::count_by_value:
      return ds.map([o](const E& x) { return key_of(K::get(x), o); })
          .count_by_value()
          .map([](const std::pair<i64, std::size_t>& p) { return K::make(p.first * 1000 + i64(p.second)); });
    case op_kind::join:
    case op_kind::left_join: {
      auto left = ds.map([o](const E& x) { return std::pair<i64, i64>(key_of(K::get(x), o), K::get(x)); });
      auto right = parade::range(0, o.b).map([o](i64 y) { return std::pair<i64, i64>(y % o.a, y * 3); });
      if (o.kind == op_kind::join)
        return left.join(right).map([](const std::pair<i64, std::pair<i64, i64>>& p) {
          return K::make(p.first * 7 + p.second.first + p.second.second);
        });
      return left.left_join(right).map([](const std::pair<i64, std::pair<i64, std::optional<i64>>>& p) {
        return K::make(p.first * 7 + p.second.first + (p.second.second ? *p.second.second : -1));
      });
    }
    case op_kind::concat:
      return ds.concat(parade::range(0, o.b).map([](i64 y) { return K::make(y * 2); }));
    case op_kind::enumerate:
      return ds.enumerate().map([](std::pair<std::size_t, E> p) { return K::make(i64(p.first) * 3 + K::get(p.second)); });
    case op_kind::sample:
      return ds.sample(0.5, std::uint64_t(o.a));
    case op_kind::count: break;
  }
  return ds;
}

// `distributed`: the chains run under mpirun on several ranks: no for_each
// (it runs on each rank's share).
template <class K>
void random_chains(int cases, std::uint64_t seed, bool distributed = false) {
  using E = typename K::type;
  std::mt19937_64 rng(seed);
  auto pick = [&](i64 lo, i64 hi) { return std::uniform_int_distribution<i64>(lo, hi)(rng); };
  for (int c = 0; c < cases; ++c) {
    // Sizes: 0 and 1 often, otherwise up to a few thousand (sometimes more).
    i64 roll = pick(0, 9);
    i64 n = roll == 0 ? 0 : roll == 1 ? 1 : roll < 8 ? pick(2, 3000) : pick(3000, 40000);
    int source = int(pick(0, 2));
    std::vector<op> ops;
    for (i64 k = pick(0, 5); k > 0; --k) {
      auto kind = op_kind(pick(0, int(op_kind::count) - 1));
      op o{kind, 0, 0};
      switch (kind) {
        case op_kind::map: case op_kind::capped_map: o.a = pick(1, 50); o.b = pick(0, 1000); break;
        case op_kind::flat_map_range: case op_kind::flat_map_emit: o.a = pick(1, 4); break;
        case op_kind::filter: o.a = pick(2, 5); o.b = pick(0, o.a - 1); break;
        case op_kind::batch: o.a = pick(1, 50); break;
        case op_kind::group: case op_kind::reduce: case op_kind::sort_by: o.a = pick(1, 2000); break;
        case op_kind::sort_desc: break;
        case op_kind::distinct: case op_kind::group_by: case op_kind::aggregate: case op_kind::count_by_value:
          o.a = pick(1, 2000);
          break;
        case op_kind::join: case op_kind::left_join: o.a = pick(1, 300); o.b = pick(0, 3 * o.a); break;  // up to 3 matches a value
        case op_kind::concat: o.b = pick(0, 3000); break;
        case op_kind::enumerate: break;
        case op_kind::sample: o.a = pick(0, 1 << 30); break;
        case op_kind::count: break;
      }
      ops.push_back(o);
    }
    seq input(static_cast<std::size_t>(n), 0);
    for (auto& x : input) x = pick(-1000, 100000);
    // Made anew for every run: a dataset over move-only elements from a
    // container is read by one action.
    auto make = [&]() -> parade::dataset<E> {
      parade::dataset<E> ds = [&]() -> parade::dataset<E> {
        if (source == 0) return parade::range(0, n).map([](i64 x) { return K::make(x); });
        if (source == 1) {
          std::vector<E> v;
          for (i64 x : input) v.push_back(K::make(x));
          return parade::from(std::move(v));
        }
        return parade::generate([input, i = std::size_t(0)]() mutable -> std::optional<E> {
          if (i == input.size()) return std::nullopt;
          return K::make(input[i++]);
        });
      }();
      for (auto& o : ops) ds = apply<K>(ds, o);
      return ds;
    };
    seq src = input;
    if (source == 0)
      for (i64 i = 0; i < n; ++i) src[std::size_t(i)] = i;
    std::size_t largest_group = 0;
    seq want = reference(src, ops, largest_group);
    i64 want_sum = 0;
    for (i64 x : want) want_sum += x;
    int action = int(pick(0, 10));  // mostly collect
    if (distributed && action == 2) action = 6;
    std::size_t max_chunk = std::size_t(pick(0, 3) == 0 ? pick(1, 64) : 0);
    // Sometimes a budget small enough that barriers really spill (types
    // without a serializer stay in memory and may exceed it).
    // A group must fit the budget alone: 256 bytes a value is more than any
    // kind's estimate.
    std::size_t budget = pick(0, 3) == 0 && parade::is_serializable_v<E> ? std::size_t(pick(64, 512)) << 10 : 0;
    if (budget) budget = std::max(budget, largest_group * 256 + (std::size_t{64} << 10));
    parade::detail::tuning::max_chunk = max_chunk;
    // Sometimes small in-memory sort runs, so sorts and joins merge many.
    std::size_t sort_run = std::size_t(pick(0, 2) == 0 ? pick(1, 3000) : 0);
    parade::detail::tuning::sort_run = sort_run;
    ptest::each_config([&](const ptest::config& cfg) {
      SCOPED_TRACE(std::string(K::name) + " case " + std::to_string(c) + " source " + std::to_string(source) + " n " +
                   std::to_string(n) + " max_chunk " + std::to_string(max_chunk) + " budget " + std::to_string(budget) + " sort_run " + std::to_string(sort_run) + " ops " + describe(ops));
      auto ds = make();
      auto run = [&] {
        auto o = cfg.run();
        o.memory_limit = budget;
        return o;
      };
      if (action == 0) {
        ASSERT_EQ(ds.count(run()), want.size());
      } else if (action == 1) {  // fold copies zero per chunk
        if constexpr (std::is_copy_constructible_v<E>) {
          auto sum = ds.map([](const E& x) { return K::get(x); }).fold(i64{0}, std::plus<>{}, run());
          ASSERT_EQ(sum, want_sum);
          ASSERT_EQ(K::get(ds.fold(K::make(0), [](E a, E b) { return K::make(K::get(a) + K::get(b)); }, run())), want_sum);
        }
      } else if (action == 2) {
        std::atomic<i64> sum{0};
        ds.for_each([&](E&& x) { sum += K::get(x); }, run());
        ASSERT_EQ(sum.load(), want_sum);
      } else if (action == 3) {
        std::size_t k = std::size_t(n % 50);
        auto got = ds.take(k, run());
        seq values;
        for (auto& x : got) values.push_back(K::get(x));
        ASSERT_EQ(values, seq(want.begin(), want.begin() + std::ptrdiff_t(std::min(k, want.size()))));
        auto f = make().first(run());  // a fresh chain: from() over move-only elements is read once
        ASSERT_EQ(f.has_value(), !want.empty());
        if (f) {
          ASSERT_EQ(K::get(*f), want.front());
        }
      } else if (action == 4) {
        std::size_t k = std::size_t(n % 30);
        auto got = ds.top(k, [](const E& a, const E& b) { return K::get(a) < K::get(b); }, run());
        seq values;
        for (auto& x : got) values.push_back(K::get(x));
        seq desc = want;
        std::sort(desc.begin(), desc.end(), std::greater<>{});
        desc.resize(std::min(k, desc.size()));
        ASSERT_EQ(values, desc);
      } else if (action == 5) {
        auto r = ds.reduce([](E a, E b) { return K::make(K::get(a) + K::get(b)); }, run());
        ASSERT_EQ(r.has_value(), !want.empty());
        if (r) {
          ASSERT_EQ(K::get(*r), want_sum);
        }
      } else {
        auto got = ds.collect(run());
        seq values;
        for (auto& x : got) values.push_back(K::get(x));
        ASSERT_EQ(values, want);
      }
    });
    parade::detail::tuning::max_chunk = 0;
    parade::detail::tuning::sort_run = 0;
    if (::testing::Test::HasFatalFailure()) return;
  }
}

inline int cases(int fallback) {
  if (const char* env = std::getenv("PARADE_DIFF_CASES")) return std::atoi(env);
  return fallback;
}

}  // namespace diff
