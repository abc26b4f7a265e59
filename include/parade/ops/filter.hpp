// filter(pred): keeps the elements for which pred(t) is true, order kept.
#pragma once

#include <type_traits>

#include "parade/dataset.hpp"

namespace parade {
namespace detail {

template <class T, class Fn, class Make>
class filter_sink final : public step_sink<T, T, Make> {
 public:
  filter_sink(run_state& rs, step_stats& st, sink<T>& next, Make make, Fn f)
      : step_sink<T, T, Make>(rs, st, next, std::move(make)), f_(std::move(f)) {}
  void consume(std::span<T> in) override {
    this->count_.in(in.size());
    if (in.empty()) return;
    this->ensure_context();
    // Downstream in batches that stay in cache (as map's).
    constexpr std::size_t limit = batch_size<T>();
    guarded(this->stats_, [&] {
      for (auto& x : in)
        if (call_user<Make>(f_, this->ctx_, std::as_const(x))) {
          this->buf_.push_back(std::move(x));
          if (this->buf_.size() >= limit) this->flush();
        }
    });
    this->flush();
  }

 private:
  Fn f_;
};

template <class T, class Fn, class Make>
dataset<T> filter_impl(const std::shared_ptr<const node<T>>& parent, Fn f, Make make, op_options o) {
  auto ms = [f = std::move(f), make = std::move(make)](run_state& rs, step_stats& st, sink<T>& out) {
    return std::make_shared<filter_sink<T, Fn, Make>>(rs, st, out, make, f);
  };
  return dataset<T>(make_step<T, T>(parent, std::move(o), "filter", yields::unknown, std::move(ms)));
}

}  // namespace detail

// Keeps elements where pred(element) is true; order kept.
//   parade::range(0, 100).filter([](std::int64_t x) { return x % 2 == 0; });
template <class T>
template <class Fn>
dataset<T> dataset<T>::filter(Fn pred, op_options o) const {
  static_assert(std::is_invocable_r_v<bool, Fn&, const T&>, "filter needs pred(const T&) -> bool");
  return detail::filter_impl(node_, std::move(pred), detail::no_context{}, std::move(o));
}

// With a worker context: pred(const T&, Ctx&) -> bool.
template <class T>
template <class Fn, class Make>
dataset<T> dataset<T>::filter(Fn pred, context_factory<Make> c, op_options o) const {
  using Ctx = std::decay_t<std::invoke_result_t<Make&>>;
  static_assert(std::is_invocable_r_v<bool, Fn&, const T&, Ctx&>,
                "filter with a context needs pred(const T&, Ctx&) -> bool");
  return detail::filter_impl(node_, std::move(pred), std::move(c.make), std::move(o));
}

}  // namespace parade
