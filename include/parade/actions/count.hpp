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
  count_sink(step_stats& st, std::atomic<std::size_t>& total) : stats_(st), total_(total) {}
  void consume(std::span<T> items) override { n_ += items.size(); }
  void end_token(token&) override {
    total_.fetch_add(n_, std::memory_order_relaxed);
    stats_.in.fetch_add(n_, std::memory_order_relaxed);
    n_ = 0;
  }

 private:
  step_stats& stats_;
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
    auto& stats = detail::add_step_after(rs, e, "count", "count", "", detail::yields::same);
    detail::add_terminal(e, "count", SIZE_MAX,
                         [&stats, &total] { return std::make_shared<detail::count_sink<T>>(stats, total); });
    detail::run_segment(rs, e);
    return total.load();
  });
}

}  // namespace parade
