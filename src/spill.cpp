// Spill files: unnamed, in a private directory that lives only while they
// are made; blocks compressed with lz4 (Debian's liblz4) when that pays.
#include "parade/detail/spill.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <lz4.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "io/fd.hpp"
#include "parade/error.hpp"

namespace parade::detail {
namespace {

std::string human(std::uint64_t bytes) {
  char buf[32];
  if (bytes >= (std::uint64_t{1} << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", double(bytes) / double(1 << 30));
  else std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / double(1 << 20));
  return buf;
}

constexpr const char* prefix = "parade-spill-";

// Private directories of runs killed in the instant they existed.
void remove_stale(const std::string& tmp) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(tmp.c_str()), ::closedir);
  if (!d) return;
  while (auto* e = ::readdir(d.get())) {
    if (std::strncmp(e->d_name, prefix, std::strlen(prefix)) != 0) continue;
    long pid = std::strtol(e->d_name + std::strlen(prefix), nullptr, 10);
    if (pid <= 0 || pid == long(getpid()) || ::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;
    std::string dir = tmp + "/" + e->d_name;
    if (std::unique_ptr<DIR, int (*)(DIR*)> inner(::opendir(dir.c_str()), ::closedir); inner)
      while (auto* f = ::readdir(inner.get()))
        if (f->d_name[0] != '.') ::unlink((dir + "/" + f->d_name).c_str());
    ::rmdir(dir.c_str());
  }
}

// A worker's buffer for packed blocks, kept: a fresh 64 KiB buffer per
// block costs more than the block's I/O (fresh pages, and each large
// malloc makes glibc consolidate the small chunks freed since the last).
std::string& scratch() {
  thread_local std::string s;
  return s;
}
// Blocks bigger than a run's (an MPI rank's spooled output) are not kept.
void trim_scratch() {
  if (scratch().capacity() > spill_block * 2) std::string().swap(scratch());
}

}  // namespace

void cannot_spill(const std::string&) {
  throw parade::error(
      "it holds more than the memory budget allows and must spill to disk, but its elements have no "
      "parade::serializer: add one (docs/spilling.md) or raise run_options::memory_limit");
}

void cannot_exchange(const std::string&) {
  throw parade::error(
      "its records must cross MPI ranks, but they have no parade::serializer: add one (docs/spilling.md) "
      "or run it on one rank");
}

std::size_t exchange_round_bytes(const memory_account& a, int ranks) {
  // A sixteenth of the budget per round and rank pair, 256 KiB to 16 MiB:
  // big enough for the network, small beside what barriers hold.
  return std::clamp<std::size_t>(a.budget() / 16 / std::size_t(ranks), std::size_t{256} << 10, std::size_t{16} << 20);
}

void group_too_large(const std::string& step, std::size_t values, std::size_t bytes, std::size_t budget) {
  (void)step;
  throw parade::error("one key's group is too large for the memory budget (" +
                      std::to_string(values) + " values, about " + human(bytes) + "; barriers may hold " + human(budget) + " of the memory limit" +
                      "): combine its values with reduce_by_key or aggregate_by_key, or raise run_options::memory_limit");
}

void return_free_memory() {
#if defined(__GLIBC__)
  // Measured: 8 ms after a 3 M-pair group_by_key; the RSS after it went from
  // 41-141 MB to 8-17 MB.
  ::malloc_trim(0);
#endif
}

struct spill_space::impl {
  std::mutex m;  // guards making the files
  std::atomic<bool> made{false};
  std::vector<int> fds;
  std::unique_ptr<std::atomic<std::uint64_t>[]> ends;  // each file's end
};

spill_space::spill_space(std::string temp_dir, std::size_t files) : files_(files), p_(std::make_unique<impl>()) {
  if (temp_dir.empty()) {
    const char* env = std::getenv("TMPDIR");
    temp_dir = env && *env ? env : "/tmp";
  }
  while (temp_dir.size() > 1 && temp_dir.back() == '/') temp_dir.pop_back();
  dir_ = std::move(temp_dir);
  p_->ends = std::make_unique<std::atomic<std::uint64_t>[]>(files);
}

spill_space::~spill_space() {
  for (int fd : p_->fds)
    if (fd >= 0) ::close(fd);
}

void spill_space::open_files() {
  std::lock_guard lk(p_->m);
  if (p_->made.load()) return;
  auto fail = [&](const std::string& what) {
    throw parade::error("parade: cannot spill to " + dir_ + ": " + what + ": " + std::strerror(errno));
  };
  struct stat st {};
  if (::stat(dir_.c_str(), &st) != 0) fail("the temporary directory is missing");
  if (!S_ISDIR(st.st_mode)) throw parade::error("parade: cannot spill to " + dir_ + ": not a directory");
  remove_stale(dir_);
  static std::atomic<unsigned> n{0};
  std::string dir = dir_ + "/" + prefix + std::to_string(getpid()) + "-" + std::to_string(n++);
  if (::mkdir(dir.c_str(), 0700) != 0) fail("cannot create a directory there");
  std::vector<int> fds;
  for (std::size_t i = 0; i < files_; ++i) {
    int fd = io::open_fd(dir.c_str(), O_TMPFILE | O_RDWR, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
      // No O_TMPFILE here: a named file, unlinked at once.
      std::string name = dir + "/" + std::to_string(i);
      fd = io::open_fd(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
      if (fd >= 0) ::unlink(name.c_str());
    }
    if (fd < 0) {
      int e = errno;
      for (int f : fds) ::close(f);
      ::rmdir(dir.c_str());
      errno = e;
      fail("cannot create a file there");
    }
    fds.push_back(fd);
  }
  ::rmdir(dir.c_str());  // empty (the files have no names): nothing to leave behind
  p_->fds = std::move(fds);
  p_->made.store(true);
}

block_ref spill_space::write(std::size_t f, std::string_view raw, std::uint32_t records) {
  if (!p_->made.load()) open_files();
  block_ref b;
  b.raw = std::uint32_t(raw.size());
  b.records = records;
  // lz4 when it shrinks the block by a tenth or more: random keys barely
  // compress, and then the time is better spent writing.
  std::string& packed = scratch();
  if (std::size_t bound = std::size_t(LZ4_compressBound(int(raw.size()))); packed.size() < bound) packed.resize(bound);
  int n = LZ4_compress_default(raw.data(), packed.data(), int(raw.size()), int(packed.size()));
  std::string_view out = raw;
  if (n > 0 && std::size_t(n) < raw.size() - raw.size() / 10) {
    out = std::string_view(packed.data(), std::size_t(n));
    b.packed = true;
  }
  b.stored = std::uint32_t(out.size());
  b.offset = p_->ends[f].fetch_add(out.size());
  int fd = p_->fds[f];
  for (std::size_t done = 0; done < out.size();) {
    ssize_t w = ::pwrite(fd, out.data() + done, out.size() - done, off_t(b.offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = ENOSPC;
      throw parade::error("parade: cannot spill to " + dir_ + ": " + std::strerror(errno) + " (" +
                          human(spilled() + done) + " spilled so far)");
    }
    done += std::size_t(w);
  }
  spilled_.fetch_add(out.size(), std::memory_order_relaxed);
  trim_scratch();
  return b;
}

void spill_space::read(std::size_t f, const block_ref& b, std::string& raw) const {
  // Stored as it is: read straight into raw; packed: into the scratch first.
  std::string& into = b.packed ? scratch() : raw;
  if (into.size() < b.stored) into.resize(b.stored);
  int fd = p_->fds[f];
  for (std::size_t done = 0; done < b.stored;) {
    ssize_t r = ::pread(fd, into.data() + done, b.stored - done, off_t(b.offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      throw parade::error("parade: cannot read back spilled data in " + dir_ + ": " +
                          (r == 0 ? std::string("the file is shorter than written") : std::strerror(errno)));
    done += std::size_t(r);
  }
  if (!b.packed) {
    raw.resize(b.stored);
    return;
  }
  raw.resize(b.raw);
  int n = LZ4_decompress_safe(into.data(), raw.data(), int(b.stored), int(raw.size()));
  trim_scratch();
  if (n != int(b.raw)) throw parade::error("parade: spilled data in " + dir_ + " is corrupt");
}

void spill_space::forget(std::size_t f, const block_ref& b) const {
  // Best effort: the space comes back when the file is closed in any case.
  ::fallocate(p_->fds[f], FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(b.offset), off_t(b.stored));
}

}  // namespace parade::detail
