// The file behind write_lines: appears complete or not at all. Not API.
// Defined in src/io/output_file.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parade::detail {

class output_file {
 public:
  // Creates the (invisible) temporary next to `path`; throws parade::error
  // naming the path if its directory is missing or not writable.
  explicit output_file(std::string path);
  // Without commit(): the temporary is discarded and the target left as it was.
  ~output_file();
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  // Appends `in`, compressed as one block if the path asks for it (.gz, .zst,
  // .bz2); blocks concatenate into one valid file. Thread-safe (const).
  void encode(std::string_view in, std::string& out) const;
  bool compressed() const { return kind_ != 0; }
  // Writes bytes; throws parade::error naming the path (disk full, ...).
  void write(std::string_view bytes);
  // Flushes to disk and puts the file in place atomically.
  void commit();
  const std::string& path() const { return path_; }
  std::uint64_t written() const { return written_; }

 private:
  static constexpr std::uint64_t write_behind = std::uint64_t{8} << 20;
  std::uint64_t written_ = 0, flushed_ = 0;  // flushed_: handed to the disk (write())
  std::string path_, dir_, temp_;  // temp_: named temporary (fallback only)
  int fd_ = -1;
  int kind_ = 0;
  bool committed_ = false;
};

class run_state;

// Under MPI, write_lines(file) is written once, by rank 0: the other ranks
// keep their (already compressed) blocks in their spill space while the
// chain runs, then send them to rank 0 in rank order, which appends them
// after its own (compressed blocks concatenate into one valid file).
class rank_spool {
 public:
  rank_spool(run_state& rs, std::string step);
  ~rank_spool();
  rank_spool(const rank_spool&) = delete;
  rank_spool& operator=(const rank_spool&) = delete;
  // Keeps bytes of this rank's output (ranks > 0; in order).
  void write(std::string_view bytes);
  // Collective, on the action's thread: every rank's bytes to rank 0, which
  // appends them to `file` in rank order. False when a rank failed or
  // stopped meanwhile (the run's outcome then says which).
  bool gather_to(output_file& file);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

// The directory behind write_lines(dir, parts_options): part files written in
// parallel into a hidden staging directory beside the target, with a
// _SUCCESS marker last, then renamed into place as one step.
class output_dir {
 public:
  // Stages the parts beside `dir` (its parent must exist); throws
  // parade::error naming it if it cannot, or if `dir` exists and is not
  // empty. `dir` itself is not touched before commit().
  output_dir(std::string dir, std::size_t parts, const std::string& extension);
  // Parts `first`, `first + 1`, ... in a staging directory another process
  // made (MPI: rank 0's stage(), on a shared filesystem).
  output_dir(std::string dir, std::string staging, std::size_t parts, std::size_t first, const std::string& extension);
  // Checks the target and makes its staging directory; returns its path.
  static std::string stage(const std::string& dir);
  // Without commit(): the staging directory goes; `dir` was never touched.
  ~output_dir();
  std::size_t size() const { return parts_.size(); }
  // Compresses `text` (whole lines) as the part's format asks and appends it
  // to part i. Thread-safe: a part's lock is held only for the write.
  void write_block(std::size_t i, std::string_view text);
  // Splits `text` (whole lines) into pieces at line ends and appends them to
  // the parts that hold least, so no part stays empty while another holds
  // everything. Called once, after the workers.
  void spread(std::string_view text);
  void commit();
  // Under MPI: commits this rank's parts only; the staging directory is then
  // rank 0's to finish (finish()) or, on failure, anyone's to remove.
  void commit_parts();
  // _SUCCESS, then the rename into place (after every rank's commit_parts()).
  void finish();

 private:
  void open_parts(std::size_t parts, std::size_t first, const std::string& extension);
  std::string dir_, staging_;
  bool committed_ = false;
  std::vector<std::unique_ptr<output_file>> parts_;
  struct locks;
  std::unique_ptr<locks> locks_;
};


// write_lines(dir, parts_options) under MPI (and, not distributed, simply
// the output_dir and its commit): rank 0 stages the directory, every rank
// writes its own parts into it (numbered after the ranks before it), and
// once all have committed theirs rank 0 writes _SUCCESS and renames it into
// place. Needs a filesystem every rank shares. Collective.
std::unique_ptr<output_dir> open_output_dir(run_state& rs, const std::string& dir, std::size_t parts,
                                            const std::string& extension);
void commit_output_dir(run_state& rs, output_dir& out);

}  // namespace parade::detail
