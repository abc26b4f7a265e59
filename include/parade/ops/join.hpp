// join(other), left_join(other): the pairs of two keyed datasets with equal
// keys, every match, keys ascending. A sort-merge join: both sides go
// through one external sort by key (spilling under the budget), and the
// merge streams each key's matches out.
#pragma once

#include <optional>
#include <type_traits>
#include <variant>

#include "parade/dataset.hpp"
#include "parade/detail/keyed.hpp"
#include "parade/detail/sorter.hpp"

namespace parade {
namespace detail {

// A record of either side: the left's value (index 0) or the right's (1).
template <class K, class V, class W>
struct join_rec {
  K key;
  std::variant<V, W> value;
};

template <class K, class V, class W>
struct join_less {
  bool operator()(const join_rec<K, V, W>& a, const join_rec<K, V, W>& b) const { return a.key < b.key; }
};

// Merges the sorted records key by key. The sort is stable and the left
// side's records arrive first, so a key's left values come before its right
// ones: the left values are held, and each right value is paired with them
// as it comes, a chunk at a time (m x n matches never sit in memory at once;
// the m left values of one key do).
template <class K, class V, class W, bool Left>
struct join_policy : sort_policy<join_rec<K, V, W>, join_less<K, V, W>> {
  using record = join_rec<K, V, W>;
  using right_t = std::conditional_t<Left, std::optional<W>, W>;
  using output = std::pair<K, std::pair<V, right_t>>;
  struct group {
    std::optional<K> key;
    std::vector<V> lefts;
    std::optional<W> right;  // the right value being paired
    std::size_t next = 0;    // the left value it is paired with next
    bool matched = false;
  };
  bool in_group(const group& g, const record& r) const { return g.key && !(r.key < *g.key) && !(*g.key < r.key); }
  void add(group& g, record&& r) {
    if (!g.key) g.key.emplace(std::move(r.key));
    if (r.value.index() == 0) {
      g.lefts.push_back(std::get<0>(std::move(r.value)));
    } else {
      g.matched = true;
      if (g.lefts.empty()) return;
      g.right.emplace(std::get<1>(std::move(r.value)));
      g.next = 0;
    }
  }
  bool pending(const group& g) const { return g.right.has_value(); }
  void drain(group& g, std::vector<output>& out, std::size_t n) {
    for (; g.next < g.lefts.size() && out.size() < n; ++g.next)
      out.emplace_back(std::piecewise_construct, std::forward_as_tuple(*g.key),
                       std::forward_as_tuple(g.lefts[g.next], right_t(*g.right)));
    if (g.next == g.lefts.size()) g.right.reset();
  }
  void end_group(group& g, std::vector<output>& out) {
    if (!g.key) return;
    if constexpr (Left) {
      if (!g.matched)
        for (auto& v : g.lefts)
          out.emplace_back(std::piecewise_construct, std::forward_as_tuple(*g.key),
                           std::forward_as_tuple(std::move(v), std::nullopt));
    }
    g.key.reset();
    g.lefts.clear();
    g.matched = false;
  }
};

template <class K, class V, class W, bool Left>
class join_node final : public node<typename join_policy<K, V, W, Left>::output> {
  using policy = join_policy<K, V, W, Left>;
  using rec = join_rec<K, V, W>;

 public:
  using output_type = typename policy::output;
  join_node(std::shared_ptr<const node<std::pair<K, V>>> left, std::shared_ptr<const node<std::pair<K, W>>> right,
            op_options o)
      : left_(std::move(left)), right_(std::move(right)), o_(std::move(o)) {}
  open_end<typename policy::output> compile(run_state& rs) const override {
    std::vector<open_end<rec>> sides;
    sides.push_back(transform_end<rec>(left_->compile(rs), [](std::pair<K, V>&& p) {
      return rec{std::move(p.first), std::variant<V, W>(std::in_place_index<0>, std::move(p.second))};
    }));
    sides.push_back(transform_end<rec>(right_->compile(rs), [](std::pair<K, W>&& p) {
      return rec{std::move(p.first), std::variant<V, W>(std::in_place_index<1>, std::move(p.second))};
    }));
    return run_sorted(rs, std::move(sides), o_, Left ? "left_join" : "join", join_less<K, V, W>{}, policy{}, false);
  }

 private:
  std::shared_ptr<const node<std::pair<K, V>>> left_;
  std::shared_ptr<const node<std::pair<K, W>>> right_;
  op_options o_;
};

template <class T, class U, bool Left>
auto make_join(const std::shared_ptr<const node<T>>& left, const dataset<U>& right, op_options o) {
  static_assert(pair_traits<T>::is_pair && pair_traits<U>::is_pair,
                "join and left_join need two datasets of std::pair<K, V> and std::pair<K, W>");
  using K = typename pair_traits<T>::key;
  using V = typename pair_traits<T>::value;
  using W = typename pair_traits<U>::value;
  static_assert(std::is_same_v<K, typename pair_traits<U>::key>, "join: both sides need the same key type K");
  static_assert(ordered_key<K>, "join: the key needs `<` (a sort-merge join orders both sides by key)");
  static_assert(std::is_copy_constructible_v<K> && std::is_copy_constructible_v<V> && std::is_copy_constructible_v<W>,
                "join emits a key and its values once per match: K, V and W must be copyable");
  using node_t = join_node<K, V, W, Left>;
  return dataset<typename node_t::output_type>(std::make_shared<node_t>(left, right.node(), std::move(o)));
}

}  // namespace detail

// Inner join on the key: for each key in both, every pair of a left value
// and a right value, (k, (v, w)); keys ascending; within a key, left values
// in input order, and for each right value (in input order) all of them.
// Both sides go through one external sort, so either may exceed memory; the
// left values of one key are held while its right values stream past.
//   users.join(orders);  // (user_id, (name, amount)) for each order of a known user
template <class T>
template <class U>
auto dataset<T>::join(const dataset<U>& other, op_options o) const {
  return detail::make_join<T, U, false>(node_, other, std::move(o));
}

// Like join, but every left value comes out: with std::nullopt when its key
// has no right value.
//   users.left_join(orders);  // users without orders too
template <class T>
template <class U>
auto dataset<T>::left_join(const dataset<U>& other, op_options o) const {
  return detail::make_join<T, U, true>(node_, other, std::move(o));
}

}  // namespace parade

namespace parade {
template <class K, class V, class W>
struct serializer<detail::join_rec<K, V, W>,
                  std::enable_if_t<is_serializable_v<K> && is_serializable_v<V> && is_serializable_v<W> &&
                                   !detail::is_plain_bytes<detail::join_rec<K, V, W>>::value>> {
  static void write(byte_writer& w, const detail::join_rec<K, V, W>& r) {
    serializer<K>::write(w, r.key);
    w.varint(r.value.index());
    if (r.value.index() == 0) serializer<V>::write(w, std::get<0>(r.value));
    else serializer<W>::write(w, std::get<1>(r.value));
  }
  static detail::join_rec<K, V, W> read(byte_reader& r) {
    K k = serializer<K>::read(r);
    if (r.varint() == 0) return {std::move(k), std::variant<V, W>(std::in_place_index<0>, serializer<V>::read(r))};
    return {std::move(k), std::variant<V, W>(std::in_place_index<1>, serializer<W>::read(r))};
  }
};
}  // namespace parade
