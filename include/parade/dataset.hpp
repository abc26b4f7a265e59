// parade::dataset<T>: a cheap, copyable handle to a step of a lazy plan.
// Building a chain does no work; an action runs it on all cores.
//
// One declaration per operation; each is defined in its own header under
// ops/ or actions/ (include <parade/parade.hpp> to get them all).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "parade/context.hpp"
#include "parade/detail/node.hpp"
#include "parade/options.hpp"

namespace parade {

template <class T>
class dataset {
 public:
  using value_type = T;

  explicit dataset(std::shared_ptr<const detail::node<T>> node) : node_(std::move(node)) {}

  // ---- element-wise operations (order kept) -------------------------------
  template <class Fn> auto map(Fn f, op_options o = {}) const;
  template <class Fn, class Make> auto map(Fn f, context_factory<Make> c, op_options o = {}) const;
  template <class U = void, class Fn> auto flat_map(Fn f, op_options o = {}) const;
  template <class U = void, class Fn, class Make>
  auto flat_map(Fn f, context_factory<Make> c, op_options o = {}) const;
  template <class Fn> dataset<T> filter(Fn pred, op_options o = {}) const;
  template <class Fn, class Make> dataset<T> filter(Fn pred, context_factory<Make> c, op_options o = {}) const;
  dataset<std::vector<T>> batch(std::size_t n, op_options o = {}) const;
  dataset<T> concat(const dataset<T>& other, op_options o = {}) const;
  dataset<std::pair<std::size_t, T>> enumerate(op_options o = {}) const;
  dataset<T> sample(double fraction, std::uint64_t seed, op_options o = {}) const;

  // ---- ordering (barriers) -------------------------------------------------
  dataset<T> sort(op_options o = {}) const;
  template <class Cmp> dataset<T> sort(Cmp cmp, op_options o = {}) const;
  template <class Fn> dataset<T> sort_by(Fn key, op_options o = {}) const;

  // ---- keyed operations (barriers) -----------------------------------------
  auto group_by_key(op_options o = {}) const;
  template <class Fn> dataset<T> reduce_by_key(Fn f, op_options o = {}) const;
  template <class Fn, class Make>
  dataset<T> reduce_by_key(Fn f, context_factory<Make> c, op_options o = {}) const;
  template <class A, class Seq, class Comb> auto aggregate_by_key(A zero, Seq seq, Comb comb, op_options o = {}) const;
  template <class Fn> auto group_by(Fn key, op_options o = {}) const;
  dataset<T> distinct(op_options o = {}) const;
  dataset<std::pair<T, std::size_t>> count_by_value(op_options o = {}) const;
  template <class U> auto join(const dataset<U>& other, op_options o = {}) const;
  template <class U> auto left_join(const dataset<U>& other, op_options o = {}) const;

  // ---- actions: run the chain and block ------------------------------------
  std::vector<T> collect(run_options o = {}) const;
  std::size_t count(run_options o = {}) const;
  template <class Fn> void for_each(Fn f, run_options o = {}) const;
  template <class Fn, class Make> void for_each(Fn f, context_factory<Make> c, run_options o = {}) const;
  template <class Fn> T fold(T zero, Fn f, run_options o = {}) const;
  void write_lines(const std::string& path, run_options o = {}) const;
  void write_lines(const std::string& dir, parts_options p, run_options o = {}) const;
  std::vector<T> take(std::size_t n, run_options o = {}) const;
  std::optional<T> first(run_options o = {}) const;
  std::vector<T> top(std::size_t n, run_options o = {}) const;
  template <class Cmp>
    requires(!std::is_same_v<std::decay_t<Cmp>, run_options>)
  std::vector<T> top(std::size_t n, Cmp cmp, run_options o = {}) const;
  template <class Fn> std::optional<T> reduce(Fn f, run_options o = {}) const;

  const std::shared_ptr<const detail::node<T>>& node() const { return node_; }

 private:
  std::shared_ptr<const detail::node<T>> node_;
};

}  // namespace parade
