// for_each(f): runs the chain and calls f on every element, on the workers.
#pragma once

#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"

namespace parade {
namespace detail {

template <class T, class Fn, class Make>
class for_each_sink final : public sink<T> {
 public:
  for_each_sink(step_stats& st, Fn f, Make make) : stats_(st), count_(st), f_(std::move(f)), ctx_(std::move(make)) {}
  void end_token(token&) override { count_.publish(); }
  void close() override {
    guarded(stats_, [&] { ctx_.close(); });
  }
  void consume(std::span<T> items) override {
    count_.in(items.size());
    if (items.empty()) return;
    guarded(stats_, [&] {
      for (auto& x : items) call_element<Make>(f_, ctx_, x);
    });
  }

 private:
  step_stats& stats_;
  step_counter count_;
  Fn f_;
  context_slot<Make> ctx_;
};

template <class T, class Fn, class Make>
void for_each_impl(const node<T>& n, Fn f, Make make, const run_options& o) {
  run_action(o, [&](run_state& rs) {
    auto e = n.compile(rs);
    auto& stats = add_step_after(rs, e, "for_each", "for_each", "", yields::same);
    add_terminal(e, stats.name, SIZE_MAX, [&stats, f, make] {
      return std::make_shared<for_each_sink<T, Fn, Make>>(stats, f, make);
    });
    e.spread = true;  // f runs where the element is, in no set order
    run_segment(rs, e);
  });
}

}  // namespace detail

// Calls f(element) for every element, on all workers in parallel (in no
// particular order). f must be safe to call from several threads at once.
// f may take the element as const T&, T& or T&& (it is the last use: f may
// move from it) or by value.
template <class T>
template <class Fn>
void dataset<T>::for_each(Fn f, run_options o) const {
  static_assert(detail::takes_element<Fn, T>, "for_each needs f(const T&), f(T&), f(T&&) or f(T)");
  detail::for_each_impl(*node_, std::move(f), detail::no_context{}, o);
}

// With a worker context: f(const T&, Ctx&).
template <class T>
template <class Fn, class Make>
void dataset<T>::for_each(Fn f, context_factory<Make> c, run_options o) const {
  using Ctx = std::decay_t<std::invoke_result_t<Make&>>;
  static_assert(detail::takes_element<Fn, T, Ctx&>, "for_each with a context needs f(const T&, Ctx&) (or T&, T&&, T)");
  detail::for_each_impl(*node_, std::move(f), std::move(c.make), o);
}

}  // namespace parade
