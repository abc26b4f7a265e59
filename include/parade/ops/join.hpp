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

// Keys without `<` are joined in the order of their hash (the same on every
// run and for any worker count): their records carry it.
template <bool Hashed>
struct join_hash {};
template <>
struct join_hash<true> {
  std::uint64_t hash = 0;
};

// A record of either side: the left's value (index 0) or the right's (1).
template <class K, class V, class W>
struct join_rec : join_hash<!ordered_key<K>> {
  K key;
  std::variant<V, W> value;
};

template <class K, class V, class W, std::size_t Side, class X>
join_rec<K, V, W> make_join_rec(K&& k, X&& x) {
  join_rec<K, V, W> r{{}, std::move(k), std::variant<V, W>(std::in_place_index<Side>, std::move(x))};
  if constexpr (!ordered_key<K>) r.hash = hash_key(r.key);
  return r;
}

template <class K, class V, class W>
struct join_less {
  bool operator()(const join_rec<K, V, W>& a, const join_rec<K, V, W>& b) const {
    if constexpr (ordered_key<K>) return a.key < b.key;
    else return a.hash < b.hash;
  }
  // The order as one integer, when there is one: the sort then compares
  // integers in place instead of records all over memory (2x faster).
  static std::uint64_t exact_key(const join_rec<K, V, W>& r)
    requires(!ordered_key<K> || (std::is_integral_v<K> && sizeof(K) <= 8))
  {
    if constexpr (!ordered_key<K>) return r.hash;
    else if constexpr (std::is_signed_v<K>) return std::uint64_t(std::int64_t(r.key)) ^ (std::uint64_t{1} << 63);
    else return std::uint64_t(r.key);
  }
};

// Merges the sorted records key by key. The sort is stable and the left
// side's records arrive first, so a key's left values come before its right
// ones: the left values are held, and each right value is paired with them
// as it comes, a chunk at a time (m x n matches never sit in memory at once;
// the m left values of one key do, within the memory budget). A group is
// one key, or for keys without `<` one hash: the few keys sharing a hash
// are told apart by `==`.
template <class K, class V, class W, bool Left>
struct join_policy : sort_policy<join_rec<K, V, W>, join_less<K, V, W>> {
  using record = join_rec<K, V, W>;
  using right_t = std::conditional_t<Left, std::optional<W>, W>;
  using output = std::pair<K, std::pair<V, right_t>>;
  struct entry {
    K key;
    std::vector<V> lefts;
    bool matched = false;
  };
  struct group {
    std::vector<entry> keys;  // one, but for keys without `<` sharing a hash
    std::uint64_t hash = 0;
    std::size_t bytes = 0;     // held by the left values
    std::optional<W> right;    // the right value being paired
    std::size_t with = 0;      // with the left values of keys[with]
    std::size_t next = 0;      // the left value it is paired with next
  };
  std::size_t budget = SIZE_MAX;
  std::string step;

  bool in_group(const group& g, const record& r) const {
    if (g.keys.empty()) return false;
    if constexpr (ordered_key<K>) return !(r.key < g.keys[0].key) && !(g.keys[0].key < r.key);
    else return r.hash == g.hash;
  }
  // The key's entry in the group, or nullptr.
  entry* find(group& g, const K& k) const {
    if constexpr (ordered_key<K>) {
      return g.keys.empty() ? nullptr : &g.keys[0];
    } else {
      for (auto& e : g.keys)
        if (e.key == k) return &e;
      return nullptr;
    }
  }
  void add(group& g, record&& r) {
    if constexpr (!ordered_key<K>) g.hash = r.hash;
    entry* e = find(g, r.key);
    if (r.value.index() == 0) {
      if (!e) e = &g.keys.emplace_back(entry{std::move(r.key), {}, false});
      V& v = e->lefts.emplace_back(std::get<0>(std::move(r.value)));
      // The held values count against the budget like a group_by_key group.
      g.bytes += heap_bytes(v) + (e->lefts.size() == e->lefts.capacity() ? e->lefts.capacity() * sizeof(V) : 0);
      if (g.bytes > budget) group_too_large(step, e->lefts.size(), g.bytes, budget);
    } else if (e) {
      e->matched = true;
      g.right.emplace(std::get<1>(std::move(r.value)));
      g.with = std::size_t(e - g.keys.data());
      g.next = 0;
    }
  }
  bool pending(const group& g) const { return g.right.has_value(); }
  void drain(group& g, std::vector<output>& out, std::size_t n) {
    auto& e = g.keys[g.with];
    for (; g.next < e.lefts.size() && out.size() < n; ++g.next)
      out.emplace_back(std::piecewise_construct, std::forward_as_tuple(e.key),
                       std::forward_as_tuple(e.lefts[g.next], right_t(*g.right)));
    if (g.next == e.lefts.size()) g.right.reset();
  }
  void end_group(group& g, std::vector<output>& out) {
    if constexpr (Left) {
      for (auto& e : g.keys)
        if (!e.matched)
          for (auto& v : e.lefts)
            out.emplace_back(std::piecewise_construct, std::forward_as_tuple(e.key),
                             std::forward_as_tuple(std::move(v), std::nullopt));
    }
    g.keys.clear();
    g.bytes = 0;
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
      return make_join_rec<K, V, W, 0>(std::move(p.first), std::move(p.second));
    }));
    sides.push_back(transform_end<rec>(right_->compile(rs), [](std::pair<K, W>&& p) {
      return make_join_rec<K, V, W, 1>(std::move(p.first), std::move(p.second));
    }));
    const char* kind = Left ? "left_join" : "join";
    policy p;
    p.budget = rs.memory().budget();
    p.step = step_name(o_, kind);
    return run_sorted(rs, std::move(sides), o_, kind, join_less<K, V, W>{}, std::move(p), false);
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
  if constexpr (!ordered_key<K>) static_assert(check_key<K>::ok);  // joined by hash and `==`
  static_assert(std::is_copy_constructible_v<K> && std::is_copy_constructible_v<V> && std::is_copy_constructible_v<W>,
                "join emits a key and its values once per match: K, V and W must be copyable");
  using node_t = join_node<K, V, W, Left>;
  return dataset<typename node_t::output_type>(std::make_shared<node_t>(left, right.node(), std::move(o)));
}

}  // namespace detail

// Inner join on the key: for each key in both, every pair of a left value
// and a right value, (k, (v, w)); keys ascending (keys without `<`: in the
// order of their hash, the same on every run); within a key, each right
// value in input order, paired with all left values in input order.
// Both sides go through one external sort, so either may exceed memory; the
// left values of one key are held while its right values stream past (a
// key whose left values alone outgrow the budget fails the run clearly).
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
    K k = serializer<K>::read(r);  // a key without `<` gets its hash again
    if (r.varint() == 0) return detail::make_join_rec<K, V, W, 0>(std::move(k), serializer<V>::read(r));
    return detail::make_join_rec<K, V, W, 1>(std::move(k), serializer<W>::read(r));
  }
};
}  // namespace parade
