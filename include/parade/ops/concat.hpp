// concat(other): this dataset's elements, then other's, order kept; both
// sides are read at once.
#pragma once

#include "parade/dataset.hpp"
#include "parade/detail/concat.hpp"
#include "parade/detail/sorter.hpp"

namespace parade {
namespace detail {

// Hands a side's elements on to the shared rest of the chain, which the
// concat reader closes once. The second side's source reads its tokens by
// its own part numbers; the rest of the chain sees them after the first
// side's (`offset`), so ordered steps and stable barriers keep this, then
// other.
template <class T>
class junction final : public sink<T> {
 public:
  explicit junction(sink<T>& next) : next_(next) {}
  void begin_token(const token& t) override {
    if (offset == 0) return next_.begin_token(t);
    token shown;  // the token's place, without its data
    shown.seq = t.seq;
    shown.part = t.part + offset;
    shown.part_end = t.part_end;
    shown.begin = t.begin;
    shown.end = t.end;
    next_.begin_token(shown);
  }
  void consume(std::span<T> items) override { next_.consume(items); }
  void end_token(token& t) override {
    t.part += offset;
    next_.end_token(t);
    t.part -= offset;
  }
  std::uint32_t offset = 0;

 private:
  sink<T>& next_;
};

// Sends each token to the side whose source made it.
template <class T>
class concat_reader final : public reader_base {
 public:
  concat_reader(sink<T>& out, std::shared_ptr<concat_source> src) : out_(out), a_(out), b_(out), src_(std::move(src)) {}
  void process(token& t) override {
    if (t.last) {
      out_.begin_token(t);
      out_.end_token(t);
      return;
    }
    std::uint32_t first = src_->first_parts();
    if (t.part < first) return ra->process(t);
    t.part -= first;  // as the second side's source numbered it
    b_.offset = first;
    rb->process(t);
    t.part += first;
  }
  void close() override {
    std::exception_ptr err;
    for (auto* r : {ra.get(), rb.get()}) {
      try {
        r->close();
      } catch (...) {
        if (!err) err = std::current_exception();
      }
    }
    out_.close();
    if (err) std::rethrow_exception(err);
  }
  sink<T>& out_;
  junction<T> a_, b_;
  std::unique_ptr<reader_base> ra, rb;

 private:
  std::shared_ptr<concat_source> src_;
};

// Counts what passes (concat's step) and hands it on unchanged.
template <class T>
class pass_sink final : public sink<T> {
 public:
  pass_sink(step_stats& st, sink<T>& next) : count_(st), next_(next) {}
  void begin_token(const token& t) override { next_.begin_token(t); }
  void consume(std::span<T> items) override {
    count_.in(items.size());
    count_.out(items.size());
    next_.consume(items);
  }
  void end_token(token& t) override {
    count_.publish();
    next_.end_token(t);
  }
  void close() override { next_.close(); }

 private:
  step_counter count_;
  sink<T>& next_;
};

template <class T>
class concat_node final : public node<T> {
 public:
  concat_node(std::shared_ptr<const node<T>> a, std::shared_ptr<const node<T>> b, op_options o)
      : a_(std::move(a)), b_(std::move(b)), o_(std::move(o)) {}
  open_end<T> compile(run_state& rs) const override {
    auto name = step_name(o_, "concat");
    auto a = plain(rs, a_->compile(rs), name);
    auto b = plain(rs, b_->compile(rs), name);
    auto src = std::make_shared<concat_source>(a.source, b.source);
    open_end<T> e;
    e.source = src;
    e.name = a.name;
    e.steps = a.steps;
    e.steps.insert(e.steps.end(), b.steps.begin(), b.steps.end());
    e.before = std::move(a.before);
    for (auto& f : b.before) e.before.push_back(std::move(f));
    auto& stats = add_step_after(rs, e, name, "concat", dataset_name(o_, name), yields::unknown);
    stats.upstream = a.steps.empty() ? nullptr : a.steps.back();
    stats.second = b.steps.empty() ? nullptr : b.steps.back();
    e.name = stats.name;
    e.make = [&stats, src, ma = std::move(a.make), mb = std::move(b.make)](sink<T>& out) -> std::unique_ptr<reader_base> {
      auto pass = std::make_shared<pass_sink<T>>(stats, out);
      auto r = std::make_unique<concat_reader<T>>(*pass, src);
      r->ra = ma(r->a_);
      r->rb = mb(r->b_);
      r->keep(pass);
      return r;
    };
    e.cap = cap_of(o_);
    return e;
  }

 private:
  // A side is read by its source and fused steps only: one with stages of
  // its own (a step with a worker cap, batch) is first buffered in order
  // (spilling under the budget). Under MPI every side is, and the buffer
  // brings it onto one rank (on_one_rank), so this side comes before that
  // one in the job's output, not on each rank's share only.
  static open_end<T> plain(run_state& rs, open_end<T> e, const std::string& name) {
    if (rs.distributed()) return on_one_rank(rs, std::move(e), {.name = name}, "concat");
    if (e.stages.empty() && e.cap == SIZE_MAX) return e;
    op_options o{.name = name + " (buffer)"};
    return run_sort(rs, std::move(e), o, "buffer", never_less{});
  }
  std::shared_ptr<const node<T>> a_, b_;
  op_options o_;
};

}  // namespace detail

// This dataset's elements, then other's, in order. Both sides are read at
// once, each by its own source and fused steps; a side with a stage of its
// own (a step with a worker cap, or batch) is buffered first, in order.
//   auto all = parade::read_lines("2025.csv").concat(parade::read_lines("2026.csv"));
template <class T>
dataset<T> dataset<T>::concat(const dataset<T>& other, op_options o) const {
  return dataset<T>(std::make_shared<detail::concat_node<T>>(node_, other.node(), std::move(o)));
}

}  // namespace parade
