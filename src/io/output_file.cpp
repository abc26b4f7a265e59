// output_file: an unnamed temporary (O_TMPFILE) in the target's directory,
// linked into place on commit, so even a killed process leaves nothing behind.
#include "parade/io/output_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>

#include "codec.hpp"
#include "fd.hpp"
#include "parade/error.hpp"
#include "parade/detail/cluster.hpp"
#include "parade/detail/run.hpp"
#include "parade/detail/spill.hpp"

namespace parade::detail {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw parade::error("parade: " + what + " " + path + ": " + std::strerror(errno));
}

std::string dir_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool empty_dir(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(path.c_str()), ::closedir);
  if (!d) return false;
  while (auto* e = ::readdir(d.get()))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) return false;
  return true;
}

std::string unique_suffix() {
  static std::atomic<unsigned> n{0};
  return std::to_string(getpid()) + "-" + std::to_string(n++);
}

// The hidden names of temporaries beside a target: ".NAME.parade-tmp-PID-N"
// (a file) and ".NAME.parade-staging-PID-N" (a parts directory). A dot
// first: read_lines and shell globs skip them.
std::string temp_prefix(const std::string& base, const char* kind) { return "." + base + ".parade-" + kind + "-"; }

void remove_tree(const std::string& path) {
  if (std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(path.c_str()), ::closedir); d) {
    while (auto* e = ::readdir(d.get())) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      std::string p = path + "/" + e->d_name;
      if (::unlink(p.c_str()) != 0 && errno == EISDIR) remove_tree(p);
    }
  }
  ::rmdir(path.c_str());
}

// Removes temporaries of `base` left in `dir` by writers that were killed
// (their process is gone), so a kill -9 at the commit leaves nothing for
// long. A temporary whose process still runs is another writer's: kept.
void remove_stale(const std::string& dir, const std::string& base, const char* kind) {
  std::string prefix = temp_prefix(base, kind);
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return;
  std::vector<std::string> stale;
  while (auto* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && pid != long(getpid()) && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) stale.push_back(dir + "/" + name);
  }
  for (auto& p : stale)
    if (::unlink(p.c_str()) != 0 && errno == EISDIR) remove_tree(p);
}

}  // namespace

output_file::output_file(std::string path)
    : path_(std::move(path)), dir_(dir_of(path_)), kind_(int(io::from_extension(path_))) {
  struct stat st {};
  if (!path_.empty() && path_.back() == '/') throw parade::error("parade: " + path_ + " names a directory, expected a file");
  if (::stat(dir_.c_str(), &st) != 0) fail("cannot write to", path_);
  if (!S_ISDIR(st.st_mode)) throw parade::error("parade: cannot write to " + path_ + ": " + dir_ + " is not a directory");
  if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw parade::error("parade: cannot write to " + path_ + ": it is a directory");
  remove_stale(dir_, base_of(path_), "tmp");
  // Mode 0666 less the umask, as a shell redirection makes it; commit()
  // gives a replaced file's own mode back.
  fd_ = io::open_fd(dir_.c_str(), O_TMPFILE | O_WRONLY, 0666);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // No O_TMPFILE on this file system: a named, hidden temporary.
    temp_ = dir_ + "/" + temp_prefix(base_of(path_), "tmp") + unique_suffix();
    fd_ = io::open_fd(temp_.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0666);
  }
  if (fd_ < 0) fail("cannot write to", path_);
}

output_file::~output_file() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void output_file::encode(std::string_view in, std::string& out) const {
  io::compress_block(io::compression(kind_), in, out);
}

void output_file::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path_);
    bytes.remove_prefix(std::size_t(n));
    written_ += std::uint64_t(n);
  }
  // Write-behind: start the disk writing what is written so far every few
  // MiB, so commit()'s fsync waits for the last stretch only, not for the
  // whole file (1 GB sorted: a 1-4 s stall at the end). Asynchronous, and
  // best effort (a pipe or a filesystem without it: the fsync does it all).
  if (written_ - flushed_ >= write_behind) {
    ::sync_file_range(fd_, off_t(flushed_), off_t(written_ - flushed_), SYNC_FILE_RANGE_WRITE);
    flushed_ = written_;
  }
}

void output_file::commit() {
  if (compressed() && written_ == 0) {
    // An empty dataset: a valid empty stream, which gzip -t, zstd -t and
    // bzip2 -t accept (an empty file they reject).
    std::string empty;
    encode({}, empty);
    write(empty);
  }
  // A file replaced keeps its permission bits (0600 stays 0600).
  if (struct stat old {}; ::stat(path_.c_str(), &old) == 0 && S_ISREG(old.st_mode)) ::fchmod(fd_, old.st_mode & 07777);
  if (::fsync(fd_) != 0) fail("cannot flush", path_);
  std::string staged = temp_;
  if (staged.empty()) {
    // Give the unnamed file a hidden name next to the target, then rename
    // over it: rename replaces atomically, linkat alone would not. Killed
    // between the two, the process leaves the hidden name, which readers
    // skip and the next write to this target removes.
    staged = dir_ + "/" + temp_prefix(base_of(path_), "tmp") + unique_suffix();
    std::string proc = "/proc/self/fd/" + std::to_string(fd_);
    if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, staged.c_str(), AT_SYMLINK_FOLLOW) != 0) fail("cannot create", path_);
  }
  if (::rename(staged.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::unlink(staged.c_str());
    errno = e;
    fail("cannot create", path_);
  }
  committed_ = true;
  ::close(fd_);
  fd_ = -1;
  // The rename is durable once the directory is flushed too.
  int dfd = io::open_fd(dir_.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

struct output_dir::locks {
  std::deque<std::mutex> m;
};

output_dir::output_dir(std::string dir, std::size_t parts, const std::string& extension)
    : output_dir(dir, stage(dir), parts, 0, extension) {}

std::string output_dir::stage(const std::string& target) {
  std::string dir = target;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw parade::error("parade: cannot write parts to " + dir + ": not a directory");
    if (!empty_dir(dir)) throw parade::error("parade: cannot write parts to " + dir + ": it exists and is not empty");
  }
  // The parts are staged in a hidden directory beside the target and the
  // whole directory is renamed into place at the end: readers see all parts
  // and _SUCCESS, or nothing, even after a kill -9.
  std::string parent = dir_of(dir), base = base_of(dir);
  if (::stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail("cannot write parts to", dir);
  remove_stale(parent, base, "staging");
  std::string staging = parent + "/" + temp_prefix(base, "staging") + unique_suffix();
  if (::mkdir(staging.c_str(), 0777) != 0) fail("cannot write parts to", dir);
  return staging;
}

output_dir::output_dir(std::string dir, std::string staging, std::size_t parts, std::size_t first,
                       const std::string& extension)
    : dir_(std::move(dir)), staging_(std::move(staging)), locks_(std::make_unique<locks>()) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  try {
    open_parts(parts, first, extension);
  } catch (...) {
    parts_.clear();
    remove_tree(staging_);
    throw;
  }
}

void output_dir::open_parts(std::size_t parts, std::size_t first, const std::string& extension) {
  for (std::size_t i = 0; i < parts; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/part-%05zu", first + i);
    parts_.push_back(std::make_unique<output_file>(staging_ + name + extension));
    locks_->m.emplace_back();
  }
}

output_dir::~output_dir() {
  parts_.clear();  // uncommitted parts were never named
  if (!committed_) remove_tree(staging_);
}

void output_dir::write_block(std::size_t i, std::string_view text) {
  auto& file = *parts_[i];
  std::string block;
  if (file.compressed()) file.encode(text, block);  // plain text is written as it is
  std::lock_guard lk(locks_->m[i]);
  file.write(file.compressed() ? std::string_view(block) : text);
}

void output_dir::spread(std::string_view text) {
  if (text.empty() || parts_.empty()) return;
  std::vector<std::size_t> order(parts_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return parts_[a]->written() < parts_[b]->written(); });
  std::size_t pieces = parts_.size(), start = 0;
  for (std::size_t k = 0; k < pieces && start < text.size(); ++k) {
    std::size_t end = k + 1 == pieces ? text.size() : std::max(start, text.size() * (k + 1) / pieces);
    if (end < text.size()) {  // on to the end of the line
      auto nl = text.find('\n', end == 0 ? 0 : end - 1);
      end = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    if (end <= start) continue;
    auto& f = *parts_[order[k]];
    std::string_view piece = text.substr(start, end - start);
    if (f.compressed()) {
      std::string block;
      f.encode(piece, block);
      f.write(block);
    } else {
      f.write(piece);
    }
    start = end;
  }
}

void output_dir::commit() {
  for (auto& p : parts_) p->commit();
  finish();
}

void output_dir::commit_parts() {
  for (auto& p : parts_) p->commit();
  committed_ = true;  // the staging directory is no longer this one's to remove
}

void output_dir::finish() {
  output_file success(staging_ + "/_SUCCESS");
  success.commit();
  // One rename makes it all visible. It replaces a missing or empty target;
  // a target another writer filled meanwhile makes it fail (ENOTEMPTY).
  if (::rename(staging_.c_str(), dir_.c_str()) != 0) {
    int e = errno;
    if (e == ENOTEMPTY || e == EEXIST)
      throw parade::error("parade: cannot write parts to " + dir_ +
                          ": another writer filled it while this one ran (nothing of this run was put there)");
    errno = e;
    fail("cannot write parts to", dir_);
  }
  committed_ = true;
  int dfd = io::open_fd(dir_of(dir_).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

struct rank_spool::impl {
  run_state& rs;
  std::string step;
  std::vector<block_ref> blocks;
  std::string buf;  // small writes gathered into blocks of about a MiB
  void flush() {
    if (buf.empty()) return;
    blocks.push_back(rs.spill().write(rs.workers(), buf, 1));  // the action thread's spill file
    buf.clear();
  }
};

rank_spool::rank_spool(run_state& rs, std::string step) : p_(std::make_unique<impl>(impl{rs, std::move(step), {}, {}})) {}
rank_spool::~rank_spool() = default;

void rank_spool::write(std::string_view bytes) {
  p_->buf.append(bytes);
  if (p_->buf.size() >= (std::size_t{1} << 20)) p_->flush();
}

bool rank_spool::gather_to(output_file& file) {
  auto& rs = p_->rs;
  p_->flush();
  if (!rs.ranks_ok()) return false;
  int me = rs.rank(), ranks = rs.ranks();
  auto counts = cluster::all_gather(std::to_string(p_->blocks.size()));
  bool failed = false;
  auto guard = [&](auto&& fn) {
    if (failed) return;
    try {
      fn();
    } catch (...) {
      rs.fail(p_->step, std::current_exception());
      failed = true;
    }
  };
  // One block a round, rank 1's first, then rank 2's, ...; every rank takes
  // part in every round, so a failure anywhere ends the rounds everywhere.
  std::vector<std::string> out(static_cast<std::size_t>(ranks)), in;
  for (int r = 1; r < ranks; ++r) {
    std::size_t n = std::stoull(counts[std::size_t(r)]);
    for (std::size_t i = 0; i < n; ++i) {
      out[0].clear();
      if (me == r) guard([&] { rs.spill().read(rs.workers(), p_->blocks[i], out[0]); });
      cluster::all_to_all(out, in);
      if (me == 0) guard([&] { file.write(in[std::size_t(r)]); });
      if (cluster::max_of(failed || rs.poll() ? 1 : 0) > 0) return rs.ranks_ok();
    }
  }
  return true;
}

std::unique_ptr<output_dir> open_output_dir(run_state& rs, const std::string& dir, std::size_t parts,
                                            const std::string& extension) {
  if (!rs.distributed()) return std::make_unique<output_dir>(dir, parts, extension);
  if (!rs.ranks_ok()) throw stop_signal{};
  // Rank 0 checks the target and stages; its failure reaches every rank in
  // the run's outcome (the others stop here).
  std::string staging;
  std::exception_ptr failed;
  if (rs.rank() == 0) {
    try {
      staging = output_dir::stage(dir);
    } catch (...) {
      failed = std::current_exception();
    }
  }
  auto all = cluster::all_gather(staging);
  if (failed) std::rethrow_exception(failed);
  if (all[0].empty()) throw stop_signal{};
  try {
    return std::make_unique<output_dir>(dir, all[0], parts, std::size_t(rs.rank()) * parts, extension);
  } catch (const parade::error& e) {
    throw parade::error(std::string(e.what()) + " (under MPI every rank writes its parts into " + all[0] +
                        ": a filesystem all ranks share)");
  }
}

void commit_output_dir(run_state& rs, output_dir& out) {
  if (!rs.distributed()) return out.commit();
  out.commit_parts();
  if (!rs.ranks_ok()) throw stop_signal{};
  if (rs.rank() == 0) out.finish();
}

}  // namespace parade::detail
