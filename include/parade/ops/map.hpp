// map(f): U = f(t) for each element, input order kept.
#pragma once

#include <type_traits>

#include "parade/dataset.hpp"

namespace parade {
namespace detail {

// Over numbers (In = int64) it also takes them as (first, n) from range(),
// computing f(first + k) without their being written out first.
template <class In, class Out, class Fn, class Make>
class map_sink final : public step_sink<In, Out, Make>,
                       public std::conditional_t<std::is_same_v<In, std::int64_t>, numbers_sink, not_numbers> {
 public:
  map_sink(run_state& rs, step_stats& st, sink<Out>& next, Make make, Fn f)
      : step_sink<In, Out, Make>(rs, st, next, std::move(make)), f_(std::move(f)) {}
  void consume(std::span<In> in) override {
    this->count_.in(in.size());
    if (in.empty()) return;
    this->ensure_context();
    apply(in.size(), [&](std::size_t i) { return call_element<Make>(f_, this->ctx_, in[i]); });
  }
  // Overrides numbers_sink's when In is int64 (only then is it called).
  void consume_numbers(std::int64_t first, std::size_t n) {
    this->count_.in(n);
    if (n == 0) return;
    this->ensure_context();
    apply(n, [&](std::size_t i) {
      std::int64_t x = first + std::int64_t(i);
      return call_element<Make>(f_, this->ctx_, x);
    });
  }
  numbers_sink* as_numbers() override {
    if constexpr (std::is_same_v<In, std::int64_t>) return this;
    else return nullptr;
  }

 private:
  // Sends f of elements [0, size) on, each(i) giving f of element i.
  // Downstream in batches that stay in cache: a whole chunk (up to 1 MiB of
  // input, and more out) made at once went through memory and pushed the
  // next step's data (a keyed step's tables) out of the cache.
  template <class Each>
  void apply(std::size_t size, Each each) {
    constexpr std::size_t limit = batch_size<Out>();
    if constexpr (std::is_default_constructible_v<Out> && std::is_move_assignable_v<Out>) {
      // Assign into a buffer that stays sized: no per-element capacity check,
      // so simple functions vectorize, and assigned strings reuse capacity.
      auto& buf = this->buf_;
      if (buf.size() < std::min(size, limit)) buf.resize(std::min(size, limit));
      for (std::size_t at = 0; at < size; at += limit) {
        std::size_t n = std::min(limit, size - at);
        guarded(this->stats_, [&] {
          for (std::size_t i = 0; i < n; ++i) buf[i] = each(at + i);
        });
        this->count_.out(n);
        this->next_.consume(std::span<Out>(buf.data(), n));
      }
    } else {
      for (std::size_t at = 0; at < size; at += limit) {
        std::size_t n = std::min(limit, size - at);
        guarded(this->stats_, [&] {
          for (std::size_t i = 0; i < n; ++i) this->buf_.push_back(each(at + i));
        });
        this->flush();
      }
    }
  }

  Fn f_;
};

template <class T, class Fn, class Make>
auto map_impl(const std::shared_ptr<const node<T>>& parent, Fn f, Make make, op_options o) {
  using Out = std::decay_t<decltype(call_element<Make>(f, std::declval<context_slot<Make>&>(), std::declval<T&>()))>;
  static_assert(!std::is_void_v<Out>, "map needs f(T) to return a value; use for_each for side effects");
  auto ms = [f = std::move(f), make = std::move(make)](run_state& rs, step_stats& st, sink<Out>& out) {
    return std::make_shared<map_sink<T, Out, Fn, Make>>(rs, st, out, make, f);
  };
  return dataset<Out>(make_step<T, Out>(parent, std::move(o), "map", yields::same, std::move(ms)));
}

}  // namespace detail

// Each element becomes f(element). f runs on all workers at once; order kept.
//   parade::range(0, 10).map([](std::int64_t x) { return x * x; });
template <class T>
template <class Fn>
auto dataset<T>::map(Fn f, op_options o) const {
  static_assert(detail::takes_element<Fn, T>, "map needs f(const T&) -> U (or f(T) -> U, f(T&) -> U)");
  return detail::map_impl(node_, std::move(f), detail::no_context{}, std::move(o));
}

// With a worker context: f(const T&, Ctx&) -> U, Ctx = make() per worker.
template <class T>
template <class Fn, class Make>
auto dataset<T>::map(Fn f, context_factory<Make> c, op_options o) const {
  using Ctx = std::decay_t<std::invoke_result_t<Make&>>;
  static_assert(detail::takes_element<Fn, T, Ctx&>, "map with a context needs f(const T&, Ctx&) -> U");
  return detail::map_impl(node_, std::move(f), std::move(c.make), std::move(o));
}

}  // namespace parade
