// Fuzzes the gzip, zstd and bzip2 decoders: the first byte picks one, the
// rest is its input. Any input must end in data or a parade::error: never a
// crash, a hang or a sanitizer report.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "io/codec.hpp"
#include "parade/error.hpp"

using parade::detail::io::compression;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const compression kinds[] = {compression::gzip, compression::zstd, compression::bzip2};
  compression kind = kinds[data[0] % 3];
  int fd = memfd_create("parade-fuzz", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (size > 1 && write(fd, data + 1, size - 1) != ssize_t(size - 1)) {
    close(fd);
    return 0;
  }
  lseek(fd, 0, SEEK_SET);
  try {
    auto dec = parade::detail::io::open_decoder(kind, fd, "fuzz-input");
    std::vector<char> out(4096);
    std::size_t total = 0;
    while (std::size_t n = dec->read(out.data(), out.size())) {
      total += n;
      if (total > (std::size_t{256} << 20)) break;  // a decompression bomb: enough
    }
  } catch (const parade::error&) {
  }
  close(fd);
  return 0;
}
