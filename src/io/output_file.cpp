// output_file: an unnamed temporary (O_TMPFILE) in the target's directory,
// linked into place on commit, so even a killed process leaves nothing behind.
#include "parade/io/output_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>

#include "codec.hpp"
#include "parade/error.hpp"

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

std::string unique_suffix() {
  static std::atomic<unsigned> n{0};
  return std::to_string(getpid()) + "-" + std::to_string(n++);
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
  fd_ = ::open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // No O_TMPFILE on this file system: a named, hidden temporary.
    auto slash = path_.find_last_of('/');
    std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
    temp_ = dir_ + "/." + base + ".parade-tmp-" + unique_suffix();
    fd_ = ::open(temp_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
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
}

void output_file::commit() {
  if (compressed() && written_ == 0) {
    // An empty dataset: a valid empty stream, which gzip -t, zstd -t and
    // bzip2 -t accept (an empty file they reject).
    std::string empty;
    encode({}, empty);
    write(empty);
  }
  if (::fsync(fd_) != 0) fail("cannot flush", path_);
  std::string staged = temp_;
  if (staged.empty()) {
    // Give the unnamed file a name next to the target, then rename over it:
    // rename replaces atomically, linkat alone would not.
    staged = path_ + ".parade-tmp-" + unique_suffix();
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
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

struct output_dir::locks {
  std::deque<std::mutex> m;
};

output_dir::output_dir(std::string dir, std::size_t parts, const std::string& extension)
    : dir_(std::move(dir)), locks_(std::make_unique<locks>()) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  struct stat st {};
  if (::stat(dir_.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw parade::error("parade: cannot write parts to " + dir_ + ": not a directory");
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir_.c_str()), ::closedir);
    if (!d) fail("cannot write parts to", dir_);
    while (auto* e = ::readdir(d.get()))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        throw parade::error("parade: cannot write parts to " + dir_ + ": it exists and is not empty");
  } else {
    if (::mkdir(dir_.c_str(), 0755) != 0) fail("cannot create", dir_);
    created_ = true;
  }
  try {
    for (std::size_t i = 0; i < parts; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/part-%05zu", i);
      parts_.push_back(std::make_unique<output_file>(dir_ + name + extension));
      locks_->m.emplace_back();
    }
  } catch (...) {
    parts_.clear();
    if (created_) ::rmdir(dir_.c_str());
    throw;
  }
}

output_dir::~output_dir() {
  parts_.clear();  // uncommitted parts were never named
  if (!committed_ && created_) ::rmdir(dir_.c_str());
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
  std::size_t named = 0;
  try {
    for (auto& p : parts_) {
      p->commit();
      ++named;
    }
    output_file success(dir_ + "/_SUCCESS");  // last: marks the directory complete
    success.commit();
  } catch (...) {
    // All parts or none: those already in place go again.
    for (std::size_t i = 0; i < named; ++i) ::unlink(parts_[i]->path().c_str());
    throw;
  }
  committed_ = true;
}

}  // namespace parade::detail
