// group_by_key(): pairs (k, v) become (k, all v of k), keys ascending when K
// has `<`; the values of a key keep their input order.
#pragma once

#include <vector>

#include "parade/detail/std.hpp"  // std::sort and friends, without <algorithm>
#include "parade/dataset.hpp"
#include "parade/detail/keyed.hpp"

namespace parade {
namespace detail {

// Plans a grouping barrier: pairs (k, v) into (k, all v of k), values in
// input order. group_by_key and group_by share it.
template <class K, class V>
open_end<std::pair<K, std::vector<V>>> run_group(run_state& rs, open_end<std::pair<K, V>> up, const op_options& o,
                                                 const char* kind) {
  using A = std::vector<std::pair<std::uint64_t, V>>;  // (token seq, value)
  struct ops {
    std::size_t budget;
    std::string step;
    A make(V&& v, std::uint64_t seq) const {
      A a;
      a.emplace_back(seq, std::move(v));
      return a;
    }
    void add(A& a, V&& v, std::uint64_t seq, context_slot<no_context>&) const { a.emplace_back(seq, std::move(v)); }
    // A group is built whole: one that alone outgrows the budget fails the
    // run with a clear error instead of the kernel killing it.
    void combine(A& a, A&& b, context_slot<no_context>&) const {
      append_moved(a, std::span(b));
      std::size_t bytes = a.capacity() * sizeof(typename A::value_type) + a.size() * heap_bytes(a.back().second);
      if (bytes > budget) group_too_large(step, a.size(), bytes, budget);
    }
  };
  // Values met on different workers are put back in input order by the
  // sequence number of the chunk they came in (stable within a chunk).
  auto finish = [](A&& a) {
    auto by_seq = [](const auto& x, const auto& y) { return x.first < y.first; };
    if (!std::is_sorted(a.begin(), a.end(), by_seq)) sort_elements<true>(a, by_seq);
    std::vector<V> out;
    out.reserve(a.size());
    for (auto& x : a) out.push_back(std::move(x.second));
    return out;
  };
  return run_keyed<K, V, A, std::vector<V>>(rs, std::move(up), o, kind, ops{rs.memory().budget(), step_name(o, kind)},
                                            no_context{}, finish);
}

template <class K, class V>
class group_node final : public node<std::pair<K, std::vector<V>>> {
 public:
  group_node(std::shared_ptr<const node<std::pair<K, V>>> parent, op_options o)
      : parent_(std::move(parent)), o_(std::move(o)) {}
  open_end<std::pair<K, std::vector<V>>> compile(run_state& rs) const override {
    return run_group<K, V>(rs, parent_->compile(rs), o_, "group_by_key");
  }

 private:
  std::shared_ptr<const node<std::pair<K, V>>> parent_;
  op_options o_;
};

}  // namespace detail

// Groups the values of each key: dataset<pair<K, V>> becomes
// dataset<pair<K, vector<V>>>. A barrier: runs all input first, in parallel
// (per-worker hash partitions, merged in parallel). Keys come out ascending
// when K has `<`; a key's values keep their input order.
//   pairs.group_by_key().map([](auto& kv) { return kv.second.size(); });
template <class T>
auto dataset<T>::group_by_key(op_options o) const {
  static_assert(detail::pair_traits<T>::is_pair, "group_by_key needs a dataset of std::pair<K, V>");
  using K = typename detail::pair_traits<T>::key;
  using V = typename detail::pair_traits<T>::value;
  static_assert(detail::check_key<K>::ok);
  return dataset<std::pair<K, std::vector<V>>>(std::make_shared<detail::group_node<K, V>>(node_, std::move(o)));
}

}  // namespace parade
