// count(): runs the chain and returns the number of elements.
#pragma once

#include <atomic>

#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"
#include "parade/detail/gather.hpp"

namespace parade {
namespace detail {

template <class T>
class count_sink final : public sink<T> {
 public:
  explicit count_sink(step_stats& st) : stats_(st) {}
  void consume(std::span<T> items) override { n_ += items.size(); }
  void end_token(token&) override {
    stats_.in.fetch_add(n_, std::memory_order_relaxed);  // the count itself, and the display's progress
    n_ = 0;
  }

 private:
  step_stats& stats_;
  std::size_t n_ = 0;
};

}  // namespace detail

// Runs the chain on all workers; returns how many elements it has.
template <class T>
std::size_t dataset<T>::count(run_options o) const {
  return detail::run_action(o, [&](detail::run_state& rs) {
    auto e = node_->compile(rs);
    auto& stats = detail::add_step_after(rs, e, "count", "count", "", detail::yields::same);
    detail::add_terminal(e, "count", SIZE_MAX,
                         [&stats] { return std::make_shared<detail::count_sink<T>>(stats); });
    e.spread = true;  // counts need no order
    detail::run_segment(rs, e);
    std::size_t n = stats.in.load();
    if (rs.distributed()) {
      if (!rs.ranks_ok()) throw detail::stop_signal{};
      n = std::size_t(detail::cluster::sum_of(n));
    }
    return n;
  });
}

}  // namespace parade
