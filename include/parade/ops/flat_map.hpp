// flat_map(f): each element becomes any number of elements, order kept.
// Two forms: f(t) returns a range, or flat_map<U>(f) with f(t, emit) calling
// emit(u) for each output (no temporary container).
#pragma once

#include <iterator>
#include <type_traits>
#include <vector>

#include "parade/dataset.hpp"

namespace parade {

// The callable handed to flat_map<U>'s function: emit(u) adds one element.
// Cheap (an append to the worker's buffer); only valid during the call.
template <class U>
class emitter {
 public:
  void operator()(const U& u) {
    buf_->push_back(u);
    if (buf_->size() >= limit_) flush_(self_);
  }
  void operator()(U&& u) {
    buf_->push_back(std::move(u));
    if (buf_->size() >= limit_) flush_(self_);
  }

  emitter(std::vector<U>* buf, std::size_t limit, void (*flush)(void*), void* self)
      : buf_(buf), limit_(limit), flush_(flush), self_(self) {}

 private:
  std::vector<U>* buf_;
  std::size_t limit_;
  void (*flush_)(void*);
  void* self_;
};

namespace detail {

template <class R>
concept any_range = requires(R& r) {
  std::begin(r);
  std::end(r);
};

// The element type of what a range-returning flat_map function returns.
template <class R>
using range_value = std::iter_value_t<decltype(std::begin(std::declval<R&>()))>;

template <class In, class Out, class Fn, class Make, bool Emit>
class flat_map_sink final : public step_sink<In, Out, Make> {
  using base = step_sink<In, Out, Make>;

 public:
  flat_map_sink(run_state& rs, step_stats& st, sink<Out>& next, Make make, Fn f)
      : base(rs, st, next, std::move(make)), f_(std::move(f)) {}
  void consume(std::span<In> in) override {
    this->count_.in(in.size());
    if (in.empty()) return;
    this->ensure_context();
    constexpr std::size_t limit = batch_size<Out>();
    guarded(this->stats_, [&] {
      if constexpr (Emit) {
        emitter<Out> emit(&this->buf_, limit, &flush_cb, this);
        for (auto& x : in) {
          if constexpr (std::is_same_v<Make, no_context>)
            pass_element(f_, x, emit);
          else if constexpr (takes_element<Fn, In, ctx_t&, emitter<Out>&>)
            pass_element(f_, x, this->ctx_.get(), emit);
          else
            pass_element(f_, x, emit, this->ctx_.get());
        }
      } else {
        for (auto& x : in) {
          using R = decltype(call_element<Make>(f_, this->ctx_, x));
          auto&& r = call_element<Make>(f_, this->ctx_, x);
          for (auto&& y : r) {
            // A container returned by value is ours: its elements move out
            // (so move-only elements work); a view's elements are copied.
            if constexpr (!std::is_reference_v<R> && requires { typename std::remove_cvref_t<R>::allocator_type; })
              this->buf_.push_back(std::move(y));
            else
              this->buf_.push_back(std::forward<decltype(y)>(y));
            if (this->buf_.size() >= limit) flush_cb(this);
          }
        }
      }
    });
    this->flush();
  }

 private:
  using ctx_t = std::remove_reference_t<decltype(std::declval<context_slot<Make>&>().get())>;
  // A long expansion goes downstream in batches; a stop ends it early.
  static void flush_cb(void* self) {
    auto* s = static_cast<flat_map_sink*>(self);
    if (s->rs_.stopped()) throw stop_signal{};
    s->flush();
  }
  Fn f_;
};

template <class T, class Out, bool Emit, class Fn, class Make>
dataset<Out> flat_map_impl(const std::shared_ptr<const node<T>>& parent, Fn f, Make make, op_options o) {
  auto ms = [f = std::move(f), make = std::move(make)](run_state& rs, step_stats& st, sink<Out>& out) {
    return std::make_shared<flat_map_sink<T, Out, Fn, Make, Emit>>(rs, st, out, make, f);
  };
  return dataset<Out>(make_step<T, Out>(parent, std::move(o), "flat_map", yields::unknown, std::move(ms)));
}

}  // namespace detail

// flat_map(f): f(t) returns a range whose elements are the output.
// flat_map<U>(f): f(t, emit) calls emit(u) any number of times.
//   lines.flat_map<std::string>([](const std::string& l, auto& emit) {
//     for (auto w : split(l)) emit(std::string(w)); });
template <class T>
template <class U, class Fn>
auto dataset<T>::flat_map(Fn f, op_options o) const {
  if constexpr (std::is_void_v<U>) {
    static_assert(detail::takes_element<Fn, T>,
                  "flat_map needs f(const T&) -> range, or flat_map<U>(f) with f(const T&, emitter<U>&)");
    using R = decltype(detail::pass_element(std::declval<Fn&>(), std::declval<T&>()));
    static_assert(detail::any_range<R>, "flat_map needs f(const T&) to return a range");
    using Out = detail::range_value<R>;
    return detail::flat_map_impl<T, Out, false>(node_, std::move(f), detail::no_context{}, std::move(o));
  } else {
    static_assert(detail::takes_element<Fn, T, emitter<U>&>,
                  "flat_map<U> needs f(const T&, emit) calling emit(U)");
    return detail::flat_map_impl<T, U, true>(node_, std::move(f), detail::no_context{}, std::move(o));
  }
}

// With a worker context: f(const T&, Ctx&) -> range, or for flat_map<U>
// f(const T&, Ctx&, emit) (f(const T&, emit, Ctx&) is accepted too).
template <class T>
template <class U, class Fn, class Make>
auto dataset<T>::flat_map(Fn f, context_factory<Make> c, op_options o) const {
  using Ctx = std::decay_t<std::invoke_result_t<Make&>>;
  if constexpr (std::is_void_v<U>) {
    static_assert(detail::takes_element<Fn, T, Ctx&>, "flat_map with a context needs f(const T&, Ctx&) -> range");
    using Out = detail::range_value<decltype(detail::pass_element(std::declval<Fn&>(), std::declval<T&>(),
                                                                  std::declval<Ctx&>()))>;
    return detail::flat_map_impl<T, Out, false>(node_, std::move(f), std::move(c.make), std::move(o));
  } else {
    static_assert(detail::takes_element<Fn, T, Ctx&, emitter<U>&> || detail::takes_element<Fn, T, emitter<U>&, Ctx&>,
                  "flat_map<U> with a context needs f(const T&, Ctx&, emit)");
    return detail::flat_map_impl<T, U, true>(node_, std::move(f), std::move(c.make), std::move(o));
  }
}

}  // namespace parade
