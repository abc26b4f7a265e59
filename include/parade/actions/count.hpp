// count(): runs the chain and returns the number of elements.
#pragma once

#include <atomic>

#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"

namespace parade {
namespace detail {

template <class T>
class count_sink final : public sink<T> {
 public:
  explicit count_sink(std::atomic<std::size_t>& total) : total_(total) {}
  void consume(std::span<T> items) override { n_ += items.size(); }
  void end_token(token&) override {
    total_.fetch_add(n_, std::memory_order_relaxed);
    n_ = 0;
  }

 private:
  std::atomic<std::size_t>& total_;
  std::size_t n_ = 0;
};

}  // namespace detail

// Runs the chain on all workers; returns how many elements it has.
template <class T>
std::size_t dataset<T>::count(run_options o) const {
  return detail::run_action(o, [&](detail::run_state& rs) {
    std::atomic<std::size_t> total{0};
    auto e = node_->compile(rs);
    detail::add_terminal(e, "count", SIZE_MAX,
                         [&total] { return std::make_shared<detail::count_sink<T>>(total); });
    detail::run_segment(rs, e);
    return total.load();
  });
}

}  // namespace parade
