// concat's source (see parade/detail/concat.hpp). Each side keeps its own
// mode: a splittable or serial side is one part, read by one worker at a
// time under the side's lock; a concurrent side (files, a barrier's merge)
// keeps its parts, offset after the first side's.
#include "parade/detail/concat.hpp"

namespace parade::detail {

struct concat_source::side {
  std::shared_ptr<source_def> src;
  source_mode mode = source_mode::splittable;
  std::uint32_t parts = 0, offset = 0;
  std::mutex m;            // one reader at a time (splittable, serial)
  std::uint64_t seq = 0;   // next seq of a one-part side
  bool done = false;       // no more tokens (under m, or set once by the reader that saw the end)
  std::atomic<bool> finished{false};
};

concat_source::concat_source(std::shared_ptr<source_def> first, std::shared_ptr<source_def> second) {
  sides_[0] = std::make_unique<side>();
  sides_[1] = std::make_unique<side>();
  sides_[0]->src = std::move(first);
  sides_[1]->src = std::move(second);
}

concat_source::~concat_source() = default;

// The sides' modes are known only once their earlier segments (a barrier
// feeding one side) have run: asked on first use, when the segment starts.
void concat_source::init() const {
  std::call_once(init_, [this] {
    std::uint32_t offset = 0;
    for (auto& s : sides_) {
      s->mode = s->src->mode();
      s->parts = s->mode == source_mode::concurrent ? s->src->parts() : 1;
      s->offset = offset;
      offset += s->parts;
    }
  });
}

std::uint32_t concat_source::parts() const {
  init();
  return sides_[0]->parts + sides_[1]->parts;
}

std::uint32_t concat_source::first_parts() const {
  init();
  return sides_[0]->parts;
}

std::size_t concat_source::max_chunk() const {
  init();
  return std::max(sides_[0]->src->max_chunk(), sides_[1]->src->max_chunk());
}

pull concat_source::next_of(side& s, token& t, std::size_t n, bool lookahead) {
  if (s.finished.load()) return pull::done;
  n = std::min(n, s.src->max_chunk());
  if (s.mode == source_mode::concurrent) {
    pull got = s.src->next_concurrent(t, n, lookahead);
    if (got == pull::token) t.part += s.offset;
    if (got == pull::done) s.finished.store(true);
    return got;
  }
  std::unique_lock lk(s.m, std::try_to_lock);
  if (!lk.owns_lock()) return pull::wait;  // another worker reads this side; it returns soon
  if (s.done) return pull::done;
  bool got = s.src->next(t, n);
  t.part = s.offset;
  t.seq = s.seq++;
  // The side's one part ends with an empty token (its end shows only when
  // next() says so).
  if (!got) {
    t.part_end = true;
    t.begin = t.end = 0;
    t.data.reset();
    s.done = true;
    s.finished.store(true);
  }
  return pull::token;
}

pull concat_source::next_concurrent(token& t, std::size_t n, bool lookahead) {
  init();
  bool waiting = false;
  for (auto& s : sides_) {
    pull got = next_of(*s, t, n, lookahead);
    if (got == pull::token) return got;
    if (got == pull::wait) {
      // The first side is the head: without lookahead only it may be read.
      if (!lookahead) return pull::wait;
      waiting = true;
    }
  }
  return waiting ? pull::wait : pull::done;
}

}  // namespace parade::detail
