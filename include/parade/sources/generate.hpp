// parade::generate(f): a dataset from a generator function.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "parade/dataset.hpp"

namespace parade {
namespace detail {

template <class T, class Fn>
class generator_source final : public source_def {
 public:
  generator_source(run_state& rs, step_stats& stats, Fn f, std::optional<std::uint64_t> len)
      : rs_(rs), stats_(stats), f_(std::move(f)), len_(len), done_(rs.rank() > 0) {}
  source_mode mode() const override { return source_mode::serial; }
  bool next(token& t, std::size_t n) override {
    if (done_) return false;
    std::vector<T> items;
    items.reserve(std::min<std::size_t>(n, 4096));
    while (items.size() < n) {
      if (rs_.stopped()) throw stop_signal{};
      std::optional<T> v = guarded(stats_, [&] { return std::optional<T>(f_()); });
      if (!v) {
        done_ = true;
        break;
      }
      items.push_back(std::move(*v));
    }
    if (items.empty()) return false;
    stats_.in.fetch_add(items.size(), std::memory_order_relaxed);
    stats_.out.fetch_add(items.size(), std::memory_order_relaxed);
    t.source_items = items.size();
    t.set_items(std::move(items));
    return true;
  }
  std::size_t max_chunk() const override { return chunk_limit<T>(); }
  std::optional<std::uint64_t> length() const override { return len_; }

 private:
  run_state& rs_;
  step_stats& stats_;
  Fn f_;
  std::optional<std::uint64_t> len_;
  bool done_;  // under MPI the generator runs on rank 0 only (docs/cluster.md)
};

template <class T, class Fn>
class generate_node final : public node<T> {
 public:
  generate_node(Fn f, source_options o) : f_(std::move(f)), o_(std::move(o)) {}
  open_end<T> compile(run_state& rs) const override {
    open_end<T> e;
    auto& stats = add_source_step(rs, e, o_, "generate", o_.length, "Generated");
    e.source = std::make_shared<generator_source<T, Fn>>(rs, stats, f_, o_.length);
    e.make = [&rs](sink<T>& out) -> std::unique_ptr<reader_base> {
      return std::make_unique<chunk_reader<T>>(rs, out);
    };
    return e;
  }

 private:
  Fn f_;
  source_options o_;
};

}  // namespace detail

// dataset<T> from `f() -> std::optional<T>`, called until it returns nullopt.
// Serial: one worker at a time calls f (each run starts from a fresh copy of
// f), the elements then spread over all workers. `src.length` is a hint for
// progress only.
//   parade::generate([i = 0]() mutable -> std::optional<int> {
//     return i < 10 ? std::optional(i++) : std::nullopt; });
template <class Fn>
auto generate(Fn f, source_options src = {}) {
  using R = std::invoke_result_t<Fn&>;
  static_assert(requires(R r) { r.has_value(); *r; },
                "parade::generate needs f() -> std::optional<T>");
  using T = std::decay_t<decltype(*std::declval<R>())>;
  return dataset<T>(std::make_shared<detail::generate_node<T, Fn>>(std::move(f), std::move(src)));
}

}  // namespace parade
