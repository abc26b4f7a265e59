// The untyped part of compiling a plan: steps, stages and running a segment.
#include "parade/detail/executor.hpp"
#include "parade/detail/node.hpp"

namespace parade::detail {

void fail_step(const std::string& step) { throw step_failure{{}, step, std::current_exception()}; }

reader_base::reader_base() = default;
reader_base::~reader_base() = default;
void reader_base::keep(std::shared_ptr<void> p) { keep_.push_back(std::move(p)); }
void reader_base::close() {
  if (first_) first_->close();
}

std::string dataset_name(const op_options& o, const std::string& step) {
  return o.output_name.empty() ? step + " output" : o.output_name;
}

std::string step_name(const op_options& o, const char* kind) { return o.name.empty() ? std::string(kind) : o.name; }

segment_plan::segment_plan() = default;
segment_plan::~segment_plan() = default;
segment_plan::segment_plan(segment_plan&&) noexcept = default;
segment_plan& segment_plan::operator=(segment_plan&&) noexcept = default;

void take_open_steps(segment_plan& up, stage_def& d) {
  d.steps.assign(up.steps.begin() + std::ptrdiff_t(up.open_from), up.steps.end());
  if (up.open_from > 0) d.input_of = up.steps[up.open_from - 1];
  up.open_from = up.steps.size();
}

step_stats& add_step_after(run_state& rs, segment_plan& up, std::string name, const char* kind, std::string dataset,
                           yields y) {
  auto& s = rs.add_step(std::move(name), kind);
  s.dataset = std::move(dataset);
  s.yield = y;
  s.upstream = up.steps.empty() ? nullptr : up.steps.back();
  s.feeder = up.steps.empty() ? nullptr : up.steps.front();
  up.steps.push_back(&s);
  return s;
}

step_stats& add_source_step(run_state& rs, segment_plan& e, const source_options& o, const char* kind,
                            std::optional<std::uint64_t> total, const char* dataset) {
  auto& s = rs.add_step(o.name.empty() ? kind : o.name, kind, total);
  s.dataset = o.name.empty() ? dataset : o.name;
  s.feeder = &s;
  e.steps.push_back(&s);
  e.name = s.name;
  return s;
}

void close_open_part(segment_plan& up, std::string name, std::size_t cap,
                     std::function<std::unique_ptr<stage_instance>()> make) {
  stage_def d;
  d.name = std::move(name);
  d.cap = cap;
  take_open_steps(up, d);
  d.make = std::move(make);
  up.stages.push_back(std::move(d));
}

void add_ordered_stage(segment_plan& up, std::string name, std::function<void(token&)> fn) {
  struct inst final : stage_instance {
    const std::function<void(token&)>& fn;
    explicit inst(const std::function<void(token&)>& f) : fn(f) {}
    void process(token& t) override { fn(t); }
  };
  stage_def d;
  d.name = std::move(name);
  d.cap = 1;
  d.ordered = true;
  take_open_steps(up, d);
  auto shared = std::make_shared<std::function<void(token&)>>(std::move(fn));
  d.make = [shared]() -> std::unique_ptr<stage_instance> { return std::make_unique<inst>(*shared); };
  up.stages.push_back(std::move(d));
}

void run_segment(run_state& rs, segment_plan& seg) {
  for (auto& b : seg.before) {
    b();
    if (rs.stopped()) throw stop_signal{};
  }
  rs.start_monitor();  // after compiling: the plan is complete and fixed
  execute_segment(rs, *seg.source, seg.stages, seg.steps.empty() ? nullptr : seg.steps.front(), seg.spread);
}

}  // namespace parade::detail
