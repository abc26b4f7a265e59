// parade::generate(f): a dataset from a generator function.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "parade/dataset.hpp"
#include "parade/detail/spread.hpp"
#include "parade/serialize.hpp"

namespace parade {
namespace detail {

template <class T, class Fn>
class generator_source final : public source_def {
 public:
  generator_source(run_state& rs, step_stats& stats, Fn f, std::optional<std::uint64_t> len)
      : rs_(rs), stats_(stats), f_(std::move(f)), len_(len) {}
  source_mode mode() const override { return source_mode::serial; }
  // Under MPI the generator runs on rank 0. It deals its chunks to every
  // rank when the segment allows (see source_def::begin_segment) and T can
  // travel; otherwise the segment runs on rank 0 and the others' is empty.
  void begin_segment(bool spread) override {
    if (!rs_.distributed()) return;
    if constexpr (is_serializable_v<T>) {
      if (spread) {
        // Every rank meets here before any chunk moves: a rank that failed
        // earlier is at its end-of-run check instead, and all stop.
        if (!rs_.ranks_ok()) throw stop_signal{};
        link_ = std::make_unique<spread_link>(rs_);
        return;
      }
    }
    done_ = rs_.rank() > 0;
  }
  void end_segment() override {
    if (link_) link_->finish();
    link_.reset();
  }
  bool next(token& t, std::size_t n) override {
    if (done_) return false;
    if constexpr (is_serializable_v<T>) {
      if (link_ && rs_.rank() > 0) return receive(t);
    }
    for (;;) {
      std::vector<T> items = generate(n);
      if (items.empty()) {
        if (link_) link_->end();
        return false;
      }
      stats_.in.fetch_add(items.size(), std::memory_order_relaxed);
      stats_.out.fetch_add(items.size(), std::memory_order_relaxed);
      std::uint64_t origin = dealt_++;
      int to = link_ ? link_->next_target() : 0;
      if (to == 0) {
        if (link_) t.origin = origin;
        t.source_items = items.size();
        t.set_items(std::move(items));
        return true;
      }
      if constexpr (is_serializable_v<T>) {
        std::string bytes;
        byte_writer w(bytes);
        w.varint(origin);
        w.varint(items.size());
        guarded(stats_, [&] {
          for (auto& x : items) serializer<T>::write(w, x);
        });
        link_->send(to, std::move(bytes));
      }
    }
  }
  std::size_t max_chunk() const override { return chunk_limit<T>(); }
  std::optional<std::uint64_t> length() const override { return len_; }

 private:
  std::vector<T> generate(std::size_t n) {
    std::vector<T> items;
    if (done_) return items;
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
    return items;
  }
  // A rank above 0: the next chunk rank 0 dealt here.
  bool receive(token& t) {
    std::string bytes;
    if (!link_->receive(bytes)) {
      done_ = true;
      return false;
    }
    byte_reader r(bytes);
    t.origin = r.varint();
    std::vector<T> items(0);
    guarded(stats_, [&] {
      items.reserve(std::size_t(r.varint()));
      for (std::size_t i = items.capacity(); i > 0; --i) items.push_back(serializer<T>::read(r));
    });
    t.source_items = items.size();
    t.set_items(std::move(items));
    return true;
  }

  run_state& rs_;
  step_stats& stats_;
  Fn f_;
  std::optional<std::uint64_t> len_;
  bool done_ = false;
  std::uint64_t dealt_ = 0;             // chunks made so far (their origins)
  std::unique_ptr<spread_link> link_;  // under MPI, when spreading
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
// f), the elements then spread over all workers (under MPI: f runs on rank 0,
// which deals the chunks to all ranks when T has a serializer and the chain
// reaches a barrier, collect, take, first, fold, reduce, count or for_each;
// docs/cluster.md). `src.length` is a hint for progress only.
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
