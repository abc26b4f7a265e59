// Positions in input order for enumerate() and sample(): the chain so far
// is closed into chunks, one ordered stage notes where each chunk starts
// (a running count: one addition per chunk), and the next stage, in
// parallel, reads its chunk's start from the token. Not API.
#pragma once

#include "parade/detail/node.hpp"

namespace parade::detail {

// The open end after the counting stage: its tokens carry, in `begin`, the
// input position of their first element.
template <class T>
open_end<T> counted(run_state& rs, open_end<T> up, const std::string& name) {
  up = close(rs, std::move(up));
  auto next = std::make_shared<std::int64_t>(0);
  add_ordered_stage(up, name + " (count)", [next](token& t) {
    t.begin = *next;
    if (auto* items = t.items<T>()) *next += std::int64_t(items->size());
  });
  auto e = carry_on<T>(std::move(up));
  e.make = [&rs](sink<T>& o) -> std::unique_ptr<reader_base> { return std::make_unique<chunk_reader<T>>(rs, o); };
  return e;
}

// A step after counted(): sees each element with its position. Emit(pos,
// T&&, std::vector<Out>&) adds what the element becomes.
template <class T, class Out, class Emit>
class positioned_sink final : public sink<T> {
 public:
  positioned_sink(step_stats& st, sink<Out>& next, Emit emit) : count_(st), next_(next), emit_(std::move(emit)) {}
  void begin_token(const token& t) override {
    pos_ = std::uint64_t(t.begin);
    next_.begin_token(t);
  }
  void consume(std::span<T> items) override {
    count_.in(items.size());
    buf_.clear();
    for (auto& x : items) emit_(pos_++, std::move(x), buf_);
    count_.out(buf_.size());
    next_.consume(std::span<Out>(buf_));
  }
  void end_token(token& t) override {
    count_.publish();
    next_.end_token(t);
  }
  void close() override { next_.close(); }

 private:
  step_counter count_;
  sink<Out>& next_;
  Emit emit_;
  std::uint64_t pos_ = 0;
  std::vector<Out> buf_;
};

// Plans a positioned step after `parent`'s chain.
template <class T, class Out, class Emit>
open_end<Out> positioned(run_state& rs, open_end<T> up, const op_options& o, const char* kind, yields y, Emit emit) {
  auto name = step_name(o, kind);
  auto e0 = counted(rs, std::move(up), name);
  auto& stats = add_step_after(rs, e0, name, kind, dataset_name(o, name), y);
  auto e = carry_on<Out>(std::move(e0));
  e.name = stats.name;
  e.cap = cap_of(o);
  e.make = [&stats, make = std::move(e0.make), emit](sink<Out>& out) {
    auto s = std::make_shared<positioned_sink<T, Out, Emit>>(stats, out, emit);
    auto r = make(*s);
    r->keep(s);
    return r;
  };
  return e;
}

}  // namespace parade::detail
