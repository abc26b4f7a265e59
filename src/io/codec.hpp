// Compression for files: streaming decoders for reading, block encoders for
// writing. Private to the compiled library (users' builds never see zlib,
// zstd or bzip2 headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parade::detail::io {

enum class compression { none, gzip, zstd, bzip2 };

// By magic bytes (what the file is), not by name.
compression sniff(const unsigned char* head, std::size_t n);
// By extension (what the user asked for when writing).
compression from_extension(std::string_view path);
const char* name_of(compression c);

// Streaming decompression of an open file. Concatenated members/frames/streams
// decode as one. Truncated or corrupt input throws parade::error naming the
// path (the caller adds the line number).
class decoder {
 public:
  virtual ~decoder() = default;
  // Fills up to `cap` bytes; returns 0 at the end of the data.
  std::size_t read(char* out, std::size_t cap) {
    if (!deferred_.empty()) corrupt(deferred_);
    return decode(out, cap);
  }
  std::uint64_t compressed_bytes() const { return consumed_; }
  // Bytes already read from the descriptor (to sniff the format), decoded
  // before the descriptor's next bytes.
  void set_prefix(std::string bytes) { prefix_ = std::move(bytes); }
  // For a pipe, FIFO or terminal: wait for data with poll(), asking
  // `stopped` every 100 ms, so a reader waiting for a writer can be
  // cancelled (it throws stop_signal).
  void wait_with(bool (*stopped)(void*), void* arg) {
    stopped_ = stopped;
    stop_arg_ = arg;
  }

 protected:
  decoder(int fd, std::string path);
  virtual std::size_t decode(char* out, std::size_t cap) = 0;
  // Refills the input buffer; false at end of file.
  bool refill();
  [[noreturn]] void corrupt(const std::string& what) const;
  // A decoding error after `produced` bytes of this call's output: they are
  // returned first and the next read throws, so the caller's line count
  // (in the message) includes them. With nothing produced, throws now.
  void fail(std::size_t produced, const std::string& what) {
    if (produced == 0) corrupt(what);
    deferred_ = what;
  }

  int fd_;
  std::string path_;
  std::unique_ptr<char[]> in_;
  std::size_t in_size_ = 0;
  std::uint64_t consumed_ = 0;
  std::string deferred_;
  std::string prefix_;
  bool (*stopped_)(void*) = nullptr;
  void* stop_arg_ = nullptr;
  static constexpr std::size_t in_cap = 256 * 1024;
};

// A decoder for `c` (compression::none: the bytes as they are).
std::unique_ptr<decoder> open_decoder(compression c, int fd, const std::string& path);

// Reads up to `n` bytes from fd into `out`, waiting (interruptibly, as
// decoder::wait_with) on a descriptor that may have nothing yet. Returns the
// bytes read; fewer than n only at the end of the data.
std::size_t read_some(int fd, char* out, std::size_t n, const std::string& path, bool (*stopped)(void*), void* arg);

// Compresses `in` as one complete gzip member / zstd frame / bzip2 stream and
// appends it to `out`. Concatenated blocks are a valid file of that format,
// so blocks can be compressed in parallel and written in order.
void compress_block(compression c, std::string_view in, std::string& out);

}  // namespace parade::detail::io
