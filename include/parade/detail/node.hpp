// Plan nodes and how an action compiles them into segments. Not API.
//
// A node<T> compiles into an open_end<T>: a segment whose last part is still
// open, i.e. a recipe that builds, per worker slot, a chain of fused steps
// ending in a sink<T> supplied later. Element-wise ops wrap the recipe (no
// queue, lock or allocation between them); a step with its own worker cap,
// an ordered step (batch) or a barrier closes the open part into a stage.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "parade/context.hpp"
#include "parade/detail/elements.hpp"
#include "parade/detail/executor.hpp"
#include "parade/detail/plan.hpp"
#include "parade/detail/run.hpp"
#include "parade/options.hpp"

namespace parade::detail {

// A stage instance that feeds each token's elements into a fused chain. It
// keeps the chain's steps (and their contexts) alive.
// Its members are compiled in src/plan.cpp.
class reader_base : public stage_instance {
 public:
  reader_base();
  ~reader_base() override;
  void keep(std::shared_ptr<void> p);
  // Closes the chain from its first sink.
  void close() override;

 protected:
  // Remembers the chain's first sink, to close it.
  void feeds(sink_base& s) { first_ = &s; }

 private:
  std::vector<std::shared_ptr<void>> keep_;
  sink_base* first_ = nullptr;
};

// The untyped part of an open end: the segment's source, its closed stages
// and steps, and the earlier segments it needs. Functions on it are compiled
// in src/plan.cpp, so every element type does not instantiate them again.
struct segment_plan {
  // Out of line (src/plan.cpp), so users' code does not instantiate the
  // members' vectors and functions for every element type.
  segment_plan();
  ~segment_plan();
  segment_plan(segment_plan&&) noexcept;
  segment_plan& operator=(segment_plan&&) noexcept;

  std::shared_ptr<source_def> source;
  std::vector<stage_def> stages;      // closed stages before the open part
  std::size_t cap = SIZE_MAX;         // workers for the open part
  std::string name;                   // for errors outside user code
  std::vector<step_stats*> steps;     // steps of this segment, in order
  std::size_t open_from = 0;          // steps[open_from..] are in the open part
  // Earlier segments (barriers' inputs) that must run before this one.
  std::vector<std::function<void()>> before;
  // Its end restores input order across ranks by arrival (a barrier) or
  // needs none: see source_def::begin_segment.
  bool spread = false;
};

template <class T>
struct open_end : segment_plan {
  // Builds one worker slot's open part, feeding into `out`.
  std::function<std::unique_ptr<reader_base>(sink<T>&)> make;
};

// The open end of a new step (its element type may differ) carrying on from
// `up`: same segment, same earlier segments.
template <class T, class U>
open_end<T> carry_on(open_end<U>&& up) {
  open_end<T> e;
  static_cast<segment_plan&>(e) = std::move(static_cast<segment_plan&>(up));
  return e;
}

// A stage closing the open part takes its steps; the buffer in front of the
// stage holds the output of the step before them.
void take_open_steps(segment_plan& up, stage_def& d);

// Registers a step reading `up`'s output and appends it to the segment.
// `dataset` names its output ("" for actions, which have none).
step_stats& add_step_after(run_state& rs, segment_plan& up, std::string name, const char* kind, std::string dataset,
                           yields y);

// Registers a source's step as the first of a new segment.
step_stats& add_source_step(run_state& rs, segment_plan& e, const source_options& o, const char* kind,
                            std::optional<std::uint64_t> total, const char* dataset);

// Appends a stage made of the open part (per slot: make()) with `cap`
// workers; the open part is then empty.
void close_open_part(segment_plan& up, std::string name, std::size_t cap,
                     std::function<std::unique_ptr<stage_instance>()> make);

// Adds a stage that runs fn once per token, in order, on one worker.
void add_ordered_stage(segment_plan& up, std::string name, std::function<void(token&)> fn);

// Runs a finished segment, after the earlier segments it needs. The executor
// moves its steps through running, finishing and done.
void run_segment(run_state& rs, segment_plan& seg);

// The display name of an operation's output.
std::string dataset_name(const op_options& o, const std::string& step);

// Feeds elements from a vector in cache-sized batches, checking for stop
// between batches.
template <class T>
void feed(run_state& rs, sink<T>& out, std::vector<T>& items) {
  constexpr std::size_t b = batch_size<T>();
  for (std::size_t i = 0; i < items.size(); i += b) {
    if (rs.stopped()) throw stop_signal{};
    out.consume(std::span<T>(items.data() + i, std::min(b, items.size() - i)));
  }
}

// Reads tokens that carry a chunk<T>.
template <class T>
class chunk_reader final : public reader_base {
 public:
  chunk_reader(run_state& rs, sink<T>& out) : rs_(rs), out_(out) { this->feeds(out); }
  void process(token& t) override {
    out_.begin_token(t);
    auto in = std::move(t.data);
    if (in) feed(rs_, out_, static_cast<chunk<T>&>(*in).items);
    in.reset();
    out_.end_token(t);
  }

 private:
  run_state& rs_;
  sink<T>& out_;
};

// Terminal that gathers a token's elements into the token (for the next
// stage).
template <class T>
class collector final : public sink<T> {
 public:
  void consume(std::span<T> items) override { append_moved(buf_, items); }
  void end_token(token& t) override {
    t.set_items(std::move(buf_));
    buf_.clear();  // moved-from: valid, now surely empty
  }

 private:
  std::vector<T> buf_;
};

// Closes the open part into a stage whose output tokens carry chunk<T>, and
// returns a new, empty open part reading them.
template <class T>
open_end<T> close(run_state& rs, open_end<T> up) {
  auto name = up.name;
  auto cap = up.cap;
  close_open_part(up, std::move(name), cap, [make = std::move(up.make)]() -> std::unique_ptr<stage_instance> {
    auto c = std::make_shared<collector<T>>();
    auto r = make(*c);
    r->keep(c);
    return r;
  });
  auto out = carry_on<T>(std::move(up));
  out.cap = SIZE_MAX;
  out.make = [&rs](sink<T>& o) -> std::unique_ptr<reader_base> { return std::make_unique<chunk_reader<T>>(rs, o); };
  return out;
}

// Ends the open part in a terminal made per slot by make_term() (a
// shared_ptr<sink<T>>), as a stage of `cap` workers.
template <class T, class MakeTerm>
void add_terminal(open_end<T>& up, std::string name, std::size_t cap, MakeTerm make_term) {
  close_open_part(up, std::move(name), std::min(up.cap, cap),
                  [make = std::move(up.make), make_term]() -> std::unique_ptr<stage_instance> {
                    auto term = make_term();
                    auto r = make(*term);
                    r->keep(term);
                    return r;
                  });
}

// A node of the plan. Immutable once built; shared by dataset handles.
template <class T>
class node {
 public:
  virtual ~node() = default;
  virtual open_end<T> compile(run_state& rs) const = 0;
};

// Resolves op_options::workers (0 = the run's) to a stage cap.
inline std::size_t cap_of(const op_options& o) { return o.workers ? o.workers : SIZE_MAX; }

// A step's name: the user's, else the op's kind.
std::string step_name(const op_options& o, const char* kind);

// Prepares an open end for one more element-wise step with cap `cap`: a step
// whose cap differs from the open part's starts a stage of its own.
template <class T>
open_end<T> prepare(run_state& rs, open_end<T> up, std::size_t cap) {
  if (cap != up.cap) {
    up = close(rs, std::move(up));
    up.cap = cap;
  }
  return up;
}

// Per-slot worker context: made on the slot's first element, destroyed with
// the slot's chain when the segment ends.
struct no_context {};

template <class Make>
class context_slot {
 public:
  using type = std::decay_t<std::invoke_result_t<Make&>>;
  static_assert(std::is_destructible_v<type>, "parade::context(make): the context type must be destructible");
  explicit context_slot(Make make) : make_(std::move(make)) {}
  context_slot(const context_slot&) = delete;
  context_slot& operator=(const context_slot&) = delete;
  ~context_slot() {
    try {
      close();
    } catch (...) {  // close() already failed the run when it could; never terminate here
    }
  }
  type& get() {
    if (!made_) {
      // Made in place from make()'s result: the context is never moved, so
      // it may hold a mutex or anything else that cannot move.
      ::new (static_cast<void*>(storage_)) type(make_());
      made_ = true;
    }
    return *ptr();
  }
  // Destroys the context now. Not noexcept: a destructor declared
  // noexcept(false) may throw here, where the step can be named.
  void close() {
    if (!made_) return;
    made_ = false;
    std::destroy_at(ptr());
  }

 private:
  type* ptr() { return std::launder(reinterpret_cast<type*>(storage_)); }
  Make make_;
  bool made_ = false;
  alignas(type) unsigned char storage_[sizeof(type)];
};

template <>
class context_slot<no_context> {
 public:
  explicit context_slot(no_context) {}
  no_context& get() { return dummy_; }
  void close() {}

 private:
  no_context dummy_;
};

// Calls a user function with or without the context.
template <class Make, class Fn, class... A>
decltype(auto) call_user(Fn& fn, context_slot<Make>& ctx, A&&... a) {
  if constexpr (std::is_same_v<Make, no_context>)
    return fn(std::forward<A>(a)...);
  else
    return fn(std::forward<A>(a)..., ctx.get());
}

// Calls a user function on an element (moved when f takes an rvalue, as an
// lvalue when f takes T&), with the context if the step has one.
template <class Make, class Fn, class T>
decltype(auto) call_element(Fn& fn, context_slot<Make>& ctx, T& x) {
  if constexpr (std::is_same_v<Make, no_context>)
    return pass_element(fn, x);
  else
    return pass_element(fn, x, ctx.get());
}

// Closes a step's context, then the rest of the chain; the first failure
// goes on, naming its step.
template <class Make, class T>
void close_then(context_slot<Make>& ctx, const step_stats& stats, sink<T>& next) {
  std::exception_ptr err;
  try {
    guarded(stats, [&] { ctx.close(); });
  } catch (...) {
    err = std::current_exception();
  }
  next.close();
  if (err) std::rethrow_exception(err);
}

// Base of an element-wise step's per-slot sink: counters, output buffer,
// context and the next sink.
template <class In, class Out, class Make>
class step_sink : public sink<In> {
 public:
  step_sink(run_state& rs, step_stats& stats, sink<Out>& next, Make make)
      : rs_(rs), stats_(stats), count_(stats), next_(next), ctx_(std::move(make)) {}
  void begin_token(const token& t) override { next_.begin_token(t); }
  void end_token(token& t) override {
    count_.publish();
    next_.end_token(t);
  }
  void close() override { close_then(ctx_, stats_, next_); }

 protected:
  void flush() {
    if (buf_.empty()) return;
    count_.out(buf_.size());
    next_.consume(std::span<Out>(buf_));
    buf_.clear();
  }
  // Makes the context before the first element, so a throwing factory fails
  // this step.
  void ensure_context() {
    if constexpr (!std::is_same_v<Make, no_context>) guarded(stats_, [&] { ctx_.get(); });
  }

  run_state& rs_;
  step_stats& stats_;
  step_counter count_;
  sink<Out>& next_;
  context_slot<Make> ctx_;
  std::vector<Out> buf_;
};

// The node of an element-wise step: its compile() adds one fused step to the
// parent's open part. MakeSink(rs, stats, sink<Out>&) -> shared_ptr<sink<In>>
// builds the step's per-slot sink.
template <class In, class Out, class MakeSink>
class step_node final : public node<Out> {
 public:
  step_node(std::shared_ptr<const node<In>> parent, op_options o, const char* kind, yields y, MakeSink ms)
      : parent_(std::move(parent)), o_(std::move(o)), kind_(kind), yield_(y), ms_(std::move(ms)) {}
  open_end<Out> compile(run_state& rs) const override {
    auto up = prepare(rs, parent_->compile(rs), cap_of(o_));
    auto name = step_name(o_, kind_);
    auto& stats = add_step_after(rs, up, name, kind_, dataset_name(o_, name), yield_);
    auto up_make = std::move(up.make);
    auto e = carry_on<Out>(std::move(up));
    e.name = stats.name;
    e.make = [&rs, &stats, up_make = std::move(up_make), ms = ms_](sink<Out>& out) {
      auto s = ms(rs, stats, out);
      auto r = up_make(*s);
      r->keep(s);
      return r;
    };
    return e;
  }

 private:
  std::shared_ptr<const node<In>> parent_;
  op_options o_;
  const char* kind_;
  yields yield_;
  MakeSink ms_;
};

template <class In, class Out, class MakeSink>
std::shared_ptr<const node<Out>> make_step(std::shared_ptr<const node<In>> parent, op_options o,
                                           const char* kind, yields y, MakeSink ms) {
  return std::make_shared<step_node<In, Out, MakeSink>>(std::move(parent), std::move(o), kind, y, std::move(ms));
}

}  // namespace parade::detail
