// Opening files so they never take the numbers of the standard streams.
// Private to the library.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace parade::detail::io {

// Moves a descriptor above 2 (closing the low one). With stdin, stdout or
// stderr closed, a file opened next would get that number, and whatever the
// program writes to the stream (status lines, say) would land in the file.
inline int above_std_streams(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int e = errno;
  ::close(fd);
  errno = e;
  return moved;
}

// ::open, never returning 0, 1 or 2.
inline int open_fd(const char* path, int flags, mode_t mode = 0) {
  return above_std_streams(::open(path, flags | O_CLOEXEC, mode));
}

}  // namespace parade::detail::io
