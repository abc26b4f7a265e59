// read_lines: input expansion, the file source and the line reader.
#include "parade/io/read_lines.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "codec.hpp"
#include "fd.hpp"
#include "parade/error.hpp"

namespace parade::detail {
namespace {

namespace fs = std::filesystem;
using io::compression;

struct file_info {
  std::string path;
  std::uint64_t size = 0;  // the file's size: where its last range ends
  compression kind = compression::none;
  // Read from start to end by one worker, never split or sized: a pipe, a
  // FIFO, a character device, stdin ("-"), or a file that reports size 0
  // (a /proc file has content all the same). Its format is sniffed when it
  // is opened.
  bool stream = false;
  std::uint64_t begin = 0;  // where its first range starts (a rank's share of a file)
};

[[noreturn]] void fail_errno(const std::string& what, const std::string& path) {
  throw parade::error("parade: " + what + " " + path + ": " + std::strerror(errno));
}

// Closes a descriptor on every path out.
struct fd_guard {
  int fd = -1;
  explicit fd_guard(int f) : fd(f) {}
  fd_guard(fd_guard&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

int open_file(const std::string& path) {
  int fd = io::open_fd(path.c_str(), O_RDONLY);
  if (fd < 0) fail_errno("cannot open", path);
  return fd;
}

file_info inspect(const std::string& path) {
  if (path == "-") return {path, 0, compression::none, true};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail_errno("cannot open", path);
  if (S_ISDIR(st.st_mode)) throw parade::error("parade: " + path + " is a directory, expected a file");
  // Not opened here: opening a FIFO waits for a writer.
  if (!S_ISREG(st.st_mode) || st.st_size == 0) return {path, 0, compression::none, true};
  fd_guard f(open_file(path));
  file_info info{path, std::uint64_t(st.st_size), compression::none};
  unsigned char head[4];
  ssize_t n = ::pread(f.fd, head, sizeof head, 0);
  if (n < 0) fail_errno("cannot read", path);
  info.kind = io::sniff(head, std::size_t(n));
  return info;
}

bool hidden(const fs::path& p) {
  auto name = p.filename().string();
  return !name.empty() && (name[0] == '.' || name[0] == '_');
}

// One input: a file, a directory (recursive), or a glob.
void expand(const std::string& input, std::vector<file_info>& out) {
  std::vector<std::string> paths;
  // A path that exists is taken as it is, even with glob characters in its
  // name (a file "a[1].txt"); only a path that does not exist is a pattern.
  struct stat literal {};
  if (input.find_first_of("*?[") != std::string::npos && ::stat(input.c_str(), &literal) != 0) {
    glob_t g{};
    int r = ::glob(input.c_str(), GLOB_ERR, nullptr, &g);
    if (r == GLOB_NOMATCH) {
      globfree(&g);
      throw parade::error("parade: no file matches " + input);
    }
    if (r != 0) {
      globfree(&g);
      throw parade::error("parade: cannot expand " + input + ": " + std::strerror(errno));
    }
    for (std::size_t i = 0; i < g.gl_pathc; ++i) paths.emplace_back(g.gl_pathv[i]);
    globfree(&g);
  } else {
    paths.push_back(input);
  }
  std::sort(paths.begin(), paths.end());
  for (auto& p : paths) {
    if (p == "-") {  // standard input
      out.push_back(inspect(p));
      continue;
    }
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      errno = ec ? ec.value() : ENOENT;
      fail_errno("cannot open", p);
    }
    if (fs::is_directory(st)) {
      std::vector<std::string> files;
      fs::recursive_directory_iterator it(p, ec), end;
      if (ec) throw parade::error("parade: cannot list " + p + ": " + ec.message());
      for (; it != end; it.increment(ec)) {
        if (ec) throw parade::error("parade: cannot list " + p + ": " + ec.message());
        // The error_code forms: a symbolic link loop or a vanished entry is
        // an error naming the path, not a filesystem_error escaping.
        if (hidden(it->path())) {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        bool regular = it->is_regular_file(ec);
        if (ec) throw parade::error("parade: cannot read " + it->path().string() + ": " + ec.message());
        if (regular) files.push_back(it->path().string());
      }
      std::sort(files.begin(), files.end());
      for (auto& f : files) out.push_back(inspect(f));
    } else {
      out.push_back(inspect(p));
    }
  }
}

// Splits bytes into lines, keeping a partial line across calls. Lines lose
// "\n" and a trailing "\r".
template <class Emit>
std::size_t split_lines(const char* data, std::size_t n, Emit&& emit) {
  std::size_t start = 0;
  while (start < n) {
    const void* nl = std::memchr(data + start, '\n', n - start);
    if (!nl) break;
    std::size_t end = std::size_t(static_cast<const char*>(nl) - data);
    std::size_t len = end - start;
    if (len > 0 && data[start + len - 1] == '\r') --len;
    if (!emit(std::string_view(data + start, len), end + 1)) return end + 1;
    start = end + 1;
  }
  return start;  // bytes consumed (complete lines)
}

std::string_view strip_cr(std::string_view s) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

// A chunk of a stream's lines: one buffer and where each line ends, so a
// chunk costs two allocations however many lines it holds (the reader copies
// each line into a reused string).
struct line_block {
  std::string bytes;
  std::vector<std::size_t> ends;
  void add(std::string_view line) {
    bytes.append(line);
    ends.push_back(bytes.size());
  }
};

// How far a file (a part) has been handed out. A plain file goes out as byte
// ranges from `next`; a compressed one is a stream claimed by one worker at a
// time, whose state only that worker touches while it holds the claim.
struct file_state {
  std::uint64_t next = 0;  // plain: the next range's first byte
  std::uint64_t seq = 0;   // the next token's sequence in this part
  bool done = false;       // every token of the part handed out (under the source lock)
  bool claimed = false;    // compressed: being read (under the source lock)
  std::unique_ptr<fd_guard> fd;
  std::unique_ptr<io::decoder> dec;
  std::string buf;             // decompressed bytes, reused
  std::string carry;           // a partial line from the previous read
  std::uint64_t lines = 0;     // lines so far (for error messages)
  std::uint64_t reported = 0;  // compressed bytes already counted
};

class line_source final : public source_def {
 public:
  line_source(run_state& rs, step_stats& stats, std::vector<file_info> files)
      : rs_(rs), stats_(stats), files_(std::move(files)), state_(files_.size()) {
    for (std::size_t i = 0; i < files_.size(); ++i) state_[i].next = files_[i].begin;
  }

  source_mode mode() const override { return source_mode::concurrent; }
  std::uint32_t parts() const override { return std::uint32_t(files_.size()); }
  std::size_t max_chunk() const override { return std::size_t{16} << 20; }
  const std::vector<file_info>& files() const { return files_; }

  pull next_concurrent(token& t, std::size_t n, bool lookahead) override {
    // Ranges of at least 64 KiB (tests shrink them to cover range edges).
    std::size_t lo = tuning::max_chunk.load() ? 1 : std::size_t{64} << 10;
    std::size_t bytes = std::clamp<std::size_t>(n, lo, max_chunk());
    std::unique_lock lk(m_);
    // The head part: the first file not yet fully handed out.
    while (head_ < files_.size() && state_[head_].done) ++head_;
    bool waiting = false;
    for (std::size_t i = head_; i < files_.size() && (i == head_ || lookahead); ++i) {
      auto& f = files_[i];
      auto& s = state_[i];
      if (s.done) continue;
      if (f.kind == compression::none && !f.stream) {
        // A byte range (an empty file has one, empty): cheap to hand out;
        // the reader stage reads it.
        std::uint64_t begin = s.next;
        std::uint64_t end = std::min<std::uint64_t>(f.size, begin + bytes);
        t.part = std::uint32_t(i);
        t.seq = s.seq++;
        t.begin = std::int64_t(begin);
        t.end = std::int64_t(end);
        t.part_end = s.done = end == f.size;
        t.source_items = std::max<std::uint64_t>(1, end - begin);
        s.next = end;
        return pull::token;
      }
      if (s.claimed) {
        waiting = true;
        continue;
      }
      s.claimed = true;
      lk.unlock();
      bool finished = false;
      try {
        finished = read_stream(i, t, bytes);
      } catch (...) {
        lk.lock();
        s.claimed = false;
        throw;
      }
      lk.lock();
      s.claimed = false;
      s.done = finished;  // under the lock: other workers read it
      return pull::token;
    }
    // Everything left is being read by others (wait), or nothing is left.
    return waiting ? pull::wait : pull::done;
  }

 private:
  static bool stopped(void* rs) { return static_cast<run_state*>(rs)->stopped(); }

  // Opens file i for reading as a stream: a compressed file, or one that
  // cannot be split. A pipe or FIFO is opened without waiting for a writer
  // and read with poll(), so Ctrl-C stops a reader that waits for data.
  void open_stream(const file_info& f, file_state& s) {
    int fd;
    if (f.path == "-") {
      fd = io::above_std_streams(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
      if (fd < 0) fail_errno("cannot read", "standard input");
    } else {
      fd = io::open_fd(f.path.c_str(), O_RDONLY | (f.stream ? O_NONBLOCK : 0));
      if (fd < 0) fail_errno("cannot open", f.path);
    }
    s.fd = std::make_unique<fd_guard>(fd);
    auto kind = f.kind;
    std::string prefix;
    struct stat st {};
    bool pollable = ::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
    if (f.stream) {  // the format, from the first bytes
      prefix.resize(4);
      prefix.resize(io::read_some(fd, prefix.data(), 4, f.path, pollable ? &stopped : nullptr, &rs_));
      kind = io::sniff(reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
    }
    s.dec = io::open_decoder(kind, fd, f.path);
    s.dec->set_prefix(std::move(prefix));
    if (pollable) s.dec->wait_with(&stopped, &rs_);
  }

  // Decompresses about `bytes` of whole lines of file i into t, outside the
  // source lock (the stream is claimed by this worker, so only it touches the
  // stream's state). Returns true at the end of the file.
  bool read_stream(std::size_t i, token& t, std::size_t bytes) {
    auto& s = state_[i];
    auto& f = files_[i];
    line_block lines;
    bool finished = false;
    std::size_t got_bytes = 0;
    guarded(stats_, [&] {
      if (!s.dec) open_stream(f, s);
      auto& buf = s.buf;
      buf.resize(std::size_t{1} << 18);
      while (got_bytes < bytes) {
        if (rs_.stopped()) throw stop_signal{};
        std::size_t n = 0;
        try {
          n = s.dec->read(buf.data(), buf.size());
        } catch (const parade::error& e) {
          throw parade::error(std::string(e.what()) + " after line " + std::to_string(s.lines));
        }
        if (n == 0) {
          if (!s.carry.empty()) {
            lines.add(strip_cr(s.carry));
            ++s.lines;
            s.carry.clear();
          }
          finished = true;
          break;
        }
        got_bytes += n;
        const char* data = buf.data();
        std::size_t used = 0;
        if (!s.carry.empty()) {
          // Complete the line carried over from the previous read.
          const void* nl = std::memchr(data, '\n', n);
          if (!nl) {
            s.carry.append(data, n);
            continue;
          }
          std::size_t end = std::size_t(static_cast<const char*>(nl) - data);
          s.carry.append(data, end);
          lines.add(strip_cr(s.carry));
          ++s.lines;
          s.carry.clear();
          used = end + 1;
        }
        used += split_lines(data + used, n - used, [&](std::string_view line, std::size_t) {
          lines.add(line);
          ++s.lines;
          return true;
        });
        s.carry.assign(data + used, n - used);
      }
    });
    std::uint64_t consumed = s.dec ? s.dec->compressed_bytes() : 0;
    stats_.in.fetch_add(consumed - s.reported, std::memory_order_relaxed);
    s.reported = consumed;
    t.part = std::uint32_t(i);
    t.seq = s.seq++;
    t.part_end = finished;
    t.source_items = std::max<std::size_t>(1, got_bytes);
    std::size_t held = lines.bytes.capacity() + lines.ends.capacity() * sizeof(std::size_t);
    std::vector<line_block> v;
    v.push_back(std::move(lines));
    t.set_items(std::move(v));
    t.bytes += held;
    if (finished) {
      s.dec.reset();
      s.fd.reset();
      std::string().swap(s.buf);
    }
    return finished;
  }

  run_state& rs_;
  step_stats& stats_;
  std::vector<file_info> files_;
  std::mutex m_;
  std::size_t head_ = 0;
  std::vector<file_state> state_;
};

// Feeds the lines of a token to the chain: a byte range of a plain file (read
// here, by whichever worker runs the stage) or the lines of a stream chunk.
class line_reader final : public reader_base {
 public:
  line_reader(run_state& rs, step_stats& stats, line_source& src, sink<std::string>& out)
      : rs_(rs), count_(stats), stats_(stats), src_(src), out_(out) {
    this->feeds(out);
  }

  void process(token& t) override {
    out_.begin_token(t);
    if (auto* blocks = t.items<line_block>()) {
      for (auto& b : *blocks) {
        std::size_t start = 0;
        for (std::size_t end : b.ends) {
          emit(std::string_view(b.bytes.data() + start, end - start));
          start = end;
        }
      }
      flush();
      t.data.reset();
    } else if (!t.last && t.end > t.begin) {
      guarded(stats_, [&] { read_range(src_.files()[t.part], std::uint64_t(t.begin), std::uint64_t(t.end)); });
      flush();
      count_.in(std::uint64_t(t.end - t.begin));
    }
    count_.publish();
    out_.end_token(t);
  }

 private:
  // Emits the lines whose first byte lies in [begin, end): a range starting
  // inside a line leaves that line to the range before it, and the last line
  // is read to its end even past `end`.
  void read_range(const file_info& f, std::uint64_t begin, std::uint64_t end) {
    if (fd_path_ != f.path) {
      fd_ = std::make_unique<fd_guard>(open_file(f.path));
      fd_path_ = f.path;
    }
    std::uint64_t off = begin;  // file offset of buf_[0]
    bool skip_partial = false;
    if (begin > 0) {
      char prev = 0;
      ssize_t got = ::pread(fd_->fd, &prev, 1, off_t(begin - 1));
      if (got < 0) fail_errno("cannot read", f.path);
      if (got == 0) shrank(f, begin - 1);
      skip_partial = prev != '\n';
    }
    buf_.clear();
    std::size_t line_start = 0;  // index in buf_ of the current line
    // First read: the range and a little past it (the last line's tail);
    // then doubling, for lines that run on.
    std::size_t want = std::size_t(std::min<std::uint64_t>(block, end - begin + 4096));
    for (;;) {
      if (rs_.stopped()) throw stop_signal{};  // a long line can take many reads
      std::size_t have = buf_.size();
      try {
        buf_.resize(have + want);
      } catch (const std::bad_alloc&) {
        std::throw_with_nested(parade::error("parade: out of memory reading " + f.path + ": the line at byte " +
                                             std::to_string(off) + " is longer than " + std::to_string(have) +
                                             " bytes"));
      }
      ssize_t n = ::pread(fd_->fd, buf_.data() + have, want, off_t(off + have));
      want = std::min(block, want * 2);
      if (n < 0) fail_errno("cannot read", f.path);
      buf_.resize(have + std::size_t(n));
      if (n == 0 && off + have < end) shrank(f, off + have);
      if (n == 0) {  // end of file: a last line without "\n"
        if (!skip_partial && line_start < buf_.size() && off + line_start < end)
          emit(strip_cr(std::string_view(buf_.data() + line_start, buf_.size() - line_start)));
        return;
      }
      bool done = false;
      std::size_t used = split_lines(buf_.data() + have, std::size_t(n), [&](std::string_view, std::size_t next) {
        std::size_t nl = have + next - 1;  // index of the '\n'
        if (skip_partial) {
          skip_partial = false;
        } else {
          emit(strip_cr(std::string_view(buf_.data() + line_start, nl - line_start)));
        }
        line_start = nl + 1;
        if (off + line_start >= end) done = true;
        return !done;
      });
      (void)used;
      if (done) return;
      // Keep only the partial line; a line longer than the buffer grows it.
      // The tail of a line owned by the previous range need not be kept.
      if (skip_partial) line_start = buf_.size();
      buf_.erase(0, line_start);
      off += line_start;
      line_start = 0;
      // Still inside the previous range's line at `end`: no line starts in
      // this range. (Reading on would make a long line cost quadratic time.)
      if (off >= end && (skip_partial || buf_.empty())) return;
    }
  }

  // The file is shorter than when the run started: its lines cannot be
  // read as they were, so the run fails rather than give part of them.
  [[noreturn]] static void shrank(const file_info& f, std::uint64_t at) {
    throw parade::error("parade: " + f.path + " changed while being read: it was " + std::to_string(f.size) +
                        " bytes, now it ends before byte " + std::to_string(at + 1));
  }

  void emit(std::string_view line) {
    if (n_ == batch_.size()) batch_.emplace_back();
    batch_[n_++].assign(line);  // reuses the string's capacity: no allocation once warm
    if (n_ == batch_size<std::string>()) flush();
  }

  void flush() {
    if (n_ == 0) return;
    if (rs_.stopped()) throw stop_signal{};
    count_.out(n_);
    out_.consume(std::span<std::string>(batch_.data(), n_));
    n_ = 0;
  }

  static constexpr std::size_t block = std::size_t{1} << 20;
  run_state& rs_;
  step_counter count_;
  step_stats& stats_;
  line_source& src_;
  sink<std::string>& out_;
  std::unique_ptr<fd_guard> fd_;
  std::string fd_path_;
  std::string buf_;
  std::vector<std::string> batch_;
  std::size_t n_ = 0;
};

}  // namespace

namespace {
// Under MPI: the files as one sequence of bytes, cut into equal shares in
// rank order. A plain file is split at the cut (a range owns the lines that
// start in it, as between workers); a compressed file or a stream is read
// whole by the rank whose share holds its first byte; stdin by rank 0.
std::vector<file_info> rank_share(std::vector<file_info> files, int rank, int ranks) {
  std::uint64_t total = 0;
  for (auto& f : files) total += f.stream ? 0 : f.size;
  auto cut = [&](int r) { return total / unsigned(ranks) * unsigned(r) + total % unsigned(ranks) * unsigned(r) / unsigned(ranks); };
  std::uint64_t lo = cut(rank), hi = cut(rank + 1), at = 0;
  std::vector<file_info> mine;
  for (auto& f : files) {
    std::uint64_t size = f.stream ? 0 : f.size;
    // Whose first byte this is (an empty file or a stream: the rank whose
    // share holds the next byte; the last rank at the very end).
    bool starts_here = (at >= lo && at < hi) || (at == total && rank == ranks - 1);
    if (f.stream || f.kind != compression::none || size == 0) {
      if (f.path == "-" ? rank == 0 : starts_here) mine.push_back(f);
    } else if (at < hi && at + size > lo) {
      file_info part = f;
      part.begin = std::max(lo, at) - at;
      part.size = std::min(hi, at + size) - at;
      mine.push_back(std::move(part));
    }
    at += size;
  }
  return mine;
}
}  // namespace

std::shared_ptr<source_def> make_line_source(run_state& rs, step_stats& stats, const std::vector<std::string>& inputs) {
  std::vector<file_info> files;
  for (auto& in : inputs) {
    try {
      expand(in, files);
    } catch (const parade::error&) {
      throw;
    } catch (const std::exception& e) {  // filesystem_error, bad_alloc: named, nested
      std::throw_with_nested(parade::error("parade: cannot read " + in + ": " + e.what()));
    }
  }
  if (rs.distributed()) files = rank_share(std::move(files), rs.rank(), rs.ranks());
  std::uint64_t total = 0;
  bool sized = true;
  for (auto& f : files) {
    total += f.size - f.begin;
    sized = sized && !f.stream;
  }
  if (sized) stats.total = total;  // a stream's size is unknown: no total, no ETA
  return std::make_shared<line_source>(rs, stats, std::move(files));
}

std::unique_ptr<reader_base> make_line_reader(run_state& rs, step_stats& stats, source_def& source,
                                              sink<std::string>& out) {
  return std::make_unique<line_reader>(rs, stats, static_cast<line_source&>(source), out);
}

}  // namespace parade::detail
