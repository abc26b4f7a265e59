// write_lines(path): runs the chain and writes one element per line.
#pragma once

#include <atomic>
#include <string>
#include <type_traits>

#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"
#include "parade/detail/format.hpp"
#include "parade/io/output_file.hpp"

namespace parade {
namespace detail {

// A chunk's formatted lines, compressed or not yet.
struct write_block {
  static constexpr std::size_t min_compressed = std::size_t{256} << 10;
  std::string bytes;
  bool compressed = false;
};

// The ordered end of write_lines: appends blocks in order, gathering small
// uncompressed ones until they make a block worth compressing.
class block_writer {
 public:
  // With a spool (MPI, ranks > 0) the bytes go there instead of the file.
  explicit block_writer(output_file& f, rank_spool* spool = nullptr) : file_(f), spool_(spool) {}
  void add(write_block& b) {
    if (!file_.compressed()) return write(b.bytes);
    if (b.compressed) {
      flush();
      return write(b.bytes);
    }
    pending_.append(b.bytes);
    if (pending_.size() >= write_block::min_compressed) flush();
  }
  void flush() {
    if (pending_.empty()) return;
    std::string block;
    file_.encode(pending_, block);
    write(block);
    pending_.clear();
  }

 private:
  void write(std::string_view bytes) {
    if (spool_) spool_->write(bytes);
    else file_.write(bytes);
  }
  output_file& file_;
  rank_spool* spool_;
  std::string pending_;
};

// Formats elements as lines into `text`.
template <class T>
class line_formatter {
 public:
  void append(std::string& text, std::span<T> items) {
    for (auto& x : items) {
      append_text(text, x, os_);
      text.push_back('\n');
    }
  }

 private:
  stream_text os_;
};

// Formats a token's elements as lines and compresses them as one block, in
// parallel on the workers; the ordered stage after it only appends bytes.
template <class T>
class format_sink final : public sink<T> {
 public:
  format_sink(step_stats& st, const output_file& file) : count_(st), file_(file) {}
  void consume(std::span<T> items) override {
    count_.in(items.size());
    fmt_.append(text_, items);
  }
  // A big chunk is compressed here, in parallel; a small one goes on as
  // text, for the ordered stage to gather into a block worth compressing.
  void end_token(token& t) override {
    write_block b;
    if (file_.compressed() && text_.size() >= write_block::min_compressed) {
      file_.encode(text_, b.bytes);
      b.compressed = true;
      text_.clear();
    } else {
      b.bytes.swap(text_);
    }
    count_.publish();
    std::vector<write_block> v;
    v.push_back(std::move(b));
    t.set_items(std::move(v));
  }

 private:
  step_counter count_;
  const output_file& file_;
  std::string text_;
  line_formatter<T> fmt_;
};

// One writer of write_lines(dir, parts): formats and compresses on its
// worker, and writes whole blocks to its parts in turn (a part's lock is held
// only for the write).
template <class T>
class part_sink final : public sink<T> {
 public:
  // `next_part` is shared by all writers: each block goes to the next part in
  // turn, so every part gets blocks however many writers there are.
  part_sink(step_stats& st, output_dir& dir, std::atomic<std::size_t>& next_part)
      : count_(st), dir_(dir), next_part_(next_part) {}
  void consume(std::span<T> items) override {
    count_.in(items.size());
    fmt_.append(text_, items);
  }
  void end_token(token&) override {
    count_.publish();
    if (text_.size() >= write_block::min_compressed) flush();
  }
  // What is left, less than a block; taken once after the segment, on the
  // action's thread, and spread over the parts (output_dir::spread).
  std::string take_rest() { return std::move(text_); }

 private:
  void flush() {
    if (text_.empty()) return;
    std::size_t part = next_part_.fetch_add(1, std::memory_order_relaxed) % dir_.size();
    dir_.write_block(part, text_);
    text_.clear();
  }

  step_counter count_;
  output_dir& dir_;
  std::atomic<std::size_t>& next_part_;
  std::string text_;
  line_formatter<T> fmt_;
};

}  // namespace detail

// Writes the elements, in order, one per line, to `path`; ".gz", ".zst" and
// ".bz2" compress (blocks are compressed in parallel; an empty dataset gives
// a valid empty stream). A line is: a string as it is; a number as
// std::to_chars writes it (the shortest text that reads back as the same
// value: 0.1, 3788190.5, 1e+300); a pair or tuple as its fields separated by
// tabs; else fmt's text if the type has a fmt::formatter, else `<<`'s.
// The file appears complete or not at all: it is written unnamed next to the
// target and renamed into place after fsync, so a failure or a cancellation
// leaves the target as it was and no temporary. A missing or unwritable
// directory throws parade::error before any work.
//   parade::range(0, 10).write_lines("numbers.txt.gz");
template <class T>
void dataset<T>::write_lines(const std::string& path, run_options o) const {
  static_assert(detail::line_writable<T>(),
                "write_lines needs elements it can write: strings, numbers, pairs or tuples of those, types with a "
                "fmt::formatter, or types with `std::ostream& operator<<(std::ostream&, const T&)`");
  detail::run_action(o, [&](detail::run_state& rs) {
    detail::output_file file(path);  // fails here, before any work, if it cannot be written
    auto e = node_->compile(rs);
    auto& stats = detail::add_step_after(rs, e, "write_lines", "write_lines", "", detail::yields::same);
    detail::add_terminal(e, stats.name, SIZE_MAX,
                         [&stats, &file] { return std::make_shared<detail::format_sink<T>>(stats, file); });
    std::unique_ptr<detail::rank_spool> spool;
    if (rs.distributed()) spool = std::make_unique<detail::rank_spool>(rs, stats.name);
    detail::block_writer writer(file, rs.rank() > 0 ? spool.get() : nullptr);
    detail::add_ordered_stage(e, "write_lines", [&](detail::token& t) {
      if (auto* blocks = t.items<detail::write_block>())
        for (auto& b : *blocks) writer.add(b);
      if (t.last) writer.flush();
      t.data.reset();
    });
    detail::run_segment(rs, e);
    if (spool && !spool->gather_to(file)) return;
    if (!rs.stopped() && rs.rank() == 0) file.commit();
  });
}

// Writes the elements one per line into a directory of part files
// (part-00000<extension>, ...), written by the workers in parallel, for
// outputs too big for one writer. Every element lands in exactly one part;
// parts are not in dataset order (as Spark's part files), and a small
// dataset is spread over all of them. The directory is
// created (its parent must exist) and must be empty or missing; parts are
// committed together and an empty _SUCCESS marker is written last. On failure
// or cancellation no part is left (nor the directory, if it was made here).
//   words.write_lines("out/", {.parts = 8, .extension = ".txt.gz"});
template <class T>
void dataset<T>::write_lines(const std::string& dir, parts_options p, run_options o) const {
  static_assert(detail::line_writable<T>(),
                "write_lines needs elements it can write: strings, numbers, pairs or tuples of those, types with a "
                "fmt::formatter, or types with `std::ostream& operator<<(std::ostream&, const T&)`");
  detail::run_action(o, [&](detail::run_state& rs) {
    auto staged = detail::open_output_dir(rs, dir, p.parts ? p.parts : rs.workers(), p.extension);  // before any work
    auto& out = *staged;
    auto e = node_->compile(rs);
    auto& stats = detail::add_step_after(rs, e, "write_lines", "write_lines", "", detail::yields::same);
    detail::slot_list writers;
    std::atomic<std::size_t> next_part{0};
    detail::add_terminal(e, stats.name, SIZE_MAX, [&] {
      auto w = std::make_shared<detail::part_sink<T>>(stats, out, next_part);
      writers.add(w);
      return w;
    });
    detail::run_segment(rs, e);
    if (rs.stopped()) return;
    std::string rest;
    for (auto& w : writers.all()) rest += static_cast<detail::part_sink<T>*>(w.get())->take_rest();
    out.spread(rest);  // a small dataset still fills every part
    detail::commit_output_dir(rs, out);
  });
}

}  // namespace parade
