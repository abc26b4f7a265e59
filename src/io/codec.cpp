// Decoders and encoders over zlib, zstd and libbzip2 (Debian's packages).
#include "codec.hpp"

#include <bzlib.h>
#include <poll.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "parade/detail/plan.hpp"
#include "parade/error.hpp"

namespace parade::detail::io {

compression sniff(const unsigned char* h, std::size_t n) {
  if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) return compression::gzip;
  if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd) return compression::zstd;
  if (n >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') return compression::bzip2;
  return compression::none;
}

compression from_extension(std::string_view p) {
  auto ends = [&](std::string_view s) { return p.size() >= s.size() && p.substr(p.size() - s.size()) == s; };
  if (ends(".gz")) return compression::gzip;
  if (ends(".zst")) return compression::zstd;
  if (ends(".bz2")) return compression::bzip2;
  return compression::none;
}

const char* name_of(compression c) {
  switch (c) {
    case compression::gzip: return "gzip";
    case compression::zstd: return "zstd";
    case compression::bzip2: return "bzip2";
    default: return "plain";
  }
}

decoder::decoder(int fd, std::string path) : fd_(fd), path_(std::move(path)), in_(new char[in_cap]) {}

namespace {

// One read(); on a descriptor with nothing to read yet, waits with poll()
// in 100 ms steps, asking `stopped` between them.
ssize_t read_waiting(int fd, char* out, std::size_t n, const std::string& path, bool (*stopped)(void*), void* arg) {
  for (;;) {
    if (stopped) {
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, 100);
      if (r < 0 && errno != EINTR) throw parade::error("parade: cannot read " + path + ": " + std::strerror(errno));
      if (stopped(arg)) throw stop_signal{};
      if (r <= 0) continue;
    }
    ssize_t got = ::read(fd, out, n);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) throw parade::error("parade: cannot read " + path + ": " + std::strerror(errno));
    return got;
  }
}

}  // namespace

std::size_t read_some(int fd, char* out, std::size_t n, const std::string& path, bool (*stopped)(void*), void* arg) {
  std::size_t have = 0;
  while (have < n) {
    ssize_t got = read_waiting(fd, out + have, n - have, path, stopped, arg);
    if (got == 0) break;
    have += std::size_t(got);
  }
  return have;
}

bool decoder::refill() {
  if (!prefix_.empty()) {
    in_size_ = std::min(prefix_.size(), in_cap);
    std::memcpy(in_.get(), prefix_.data(), in_size_);
    prefix_.erase(0, in_size_);
    consumed_ += in_size_;
    return true;
  }
  ssize_t n = read_waiting(fd_, in_.get(), in_cap, path_, stopped_, stop_arg_);
  in_size_ = std::size_t(n);
  consumed_ += std::uint64_t(n);
  return n > 0;
}

void decoder::corrupt(const std::string& what) const { throw parade::error("parade: " + path_ + ": " + what); }

namespace {

// Bytes as they are: a plain file read as a stream (a pipe, a FIFO, stdin,
// a /proc file).
class plain_decoder final : public decoder {
 public:
  plain_decoder(int fd, std::string path) : decoder(fd, std::move(path)) {}
  std::size_t decode(char* out, std::size_t cap) override {
    std::size_t got = 0;
    while (got < cap) {
      if (pos_ >= in_size_) {
        pos_ = 0;
        if (eof_ || !refill()) {
          eof_ = true;
          break;
        }
      }
      std::size_t take = std::min(cap - got, in_size_ - pos_);
      std::memcpy(out + got, in_.get() + pos_, take);
      pos_ += take;
      got += take;
      if (got > 0 && stopped_) break;  // a pipe: hand on what arrived, do not wait for more
    }
    return got;
  }

 private:
  std::size_t pos_ = 0;
  bool eof_ = false;
};

class gzip_decoder final : public decoder {
 public:
  gzip_decoder(int fd, std::string path) : decoder(fd, std::move(path)) {
    if (inflateInit2(&zs_, 15 + 32) != Z_OK) throw parade::error("parade: zlib init failed");
  }
  ~gzip_decoder() override { inflateEnd(&zs_); }
  std::size_t decode(char* out, std::size_t cap) override {
    zs_.next_out = reinterpret_cast<Bytef*>(out);
    zs_.avail_out = unsigned(cap);
    while (zs_.avail_out > 0 && !eof_) {
      if (zs_.avail_in == 0) {
        if (!refill()) {
          eof_ = true;
          if (in_member_) fail(cap - zs_.avail_out, "truncated gzip data");
          break;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_.get());
        zs_.avail_in = unsigned(in_size_);
      }
      in_member_ = true;
      int r = inflate(&zs_, Z_NO_FLUSH);
      if (r == Z_STREAM_END) {
        in_member_ = false;  // another member may follow
        inflateReset(&zs_);
      } else if (r != Z_OK && r != Z_BUF_ERROR) {
        fail(cap - zs_.avail_out, std::string("corrupt gzip data (") + (zs_.msg ? zs_.msg : "zlib error") + ")");
        eof_ = true;
      }
    }
    return cap - zs_.avail_out;
  }

 private:
  z_stream zs_{};
  bool eof_ = false, in_member_ = false;
};

class zstd_decoder final : public decoder {
 public:
  zstd_decoder(int fd, std::string path) : decoder(fd, std::move(path)), dctx_(ZSTD_createDCtx()) {}
  ~zstd_decoder() override { ZSTD_freeDCtx(dctx_); }
  std::size_t decode(char* out, std::size_t cap) override {
    ZSTD_outBuffer o{out, cap, 0};
    while (o.pos < o.size && !eof_) {
      if (in_.pos == in_.size) {
        if (!refill()) {
          eof_ = true;
          if (pending_ != 0) fail(o.pos, "truncated zstd data");
          break;
        }
        in_ = ZSTD_inBuffer{decoder::in_.get(), in_size_, 0};
      }
      std::size_t r = ZSTD_decompressStream(dctx_, &o, &in_);
      if (ZSTD_isError(r)) {
        fail(o.pos, std::string("corrupt zstd data (") + ZSTD_getErrorName(r) + ")");
        eof_ = true;
        break;
      }
      pending_ = r;
    }
    return o.pos;
  }

 private:
  ZSTD_DCtx* dctx_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  std::size_t pending_ = 0;  // 0: at a frame boundary
  bool eof_ = false;
};

class bzip2_decoder final : public decoder {
 public:
  bzip2_decoder(int fd, std::string path) : decoder(fd, std::move(path)) { init(); }
  ~bzip2_decoder() override { BZ2_bzDecompressEnd(&bs_); }
  std::size_t decode(char* out, std::size_t cap) override {
    bs_.next_out = out;
    bs_.avail_out = unsigned(cap);
    while (bs_.avail_out > 0 && !eof_) {
      if (bs_.avail_in == 0) {
        if (!refill()) {
          eof_ = true;
          if (in_stream_) fail(cap - bs_.avail_out, "truncated bzip2 data");
          break;
        }
        bs_.next_in = in_.get();
        bs_.avail_in = unsigned(in_size_);
      }
      in_stream_ = true;
      int r = BZ2_bzDecompress(&bs_);
      if (r == BZ_STREAM_END) {
        // Another stream may follow (pbzip2 writes many): restart, keeping input.
        char* next = bs_.next_in;
        unsigned avail = bs_.avail_in;
        char* o = bs_.next_out;
        unsigned oa = bs_.avail_out;
        BZ2_bzDecompressEnd(&bs_);
        init();
        bs_.next_in = next;
        bs_.avail_in = avail;
        bs_.next_out = o;
        bs_.avail_out = oa;
        in_stream_ = false;
      } else if (r != BZ_OK) {
        fail(cap - bs_.avail_out, "corrupt bzip2 data (error " + std::to_string(r) + ")");
        eof_ = true;
      }
    }
    return cap - bs_.avail_out;
  }

 private:
  void init() {
    bs_ = bz_stream{};
    if (BZ2_bzDecompressInit(&bs_, 0, 0) != BZ_OK) throw parade::error("parade: bzip2 init failed");
  }
  bz_stream bs_{};
  bool eof_ = false, in_stream_ = false;
};

}  // namespace

std::unique_ptr<decoder> open_decoder(compression c, int fd, const std::string& path) {
  switch (c) {
    case compression::gzip: return std::make_unique<gzip_decoder>(fd, path);
    case compression::zstd: return std::make_unique<zstd_decoder>(fd, path);
    case compression::bzip2: return std::make_unique<bzip2_decoder>(fd, path);
    default: return std::make_unique<plain_decoder>(fd, path);
  }
}

void compress_block(compression c, std::string_view in, std::string& out) {
  std::size_t at = out.size();
  switch (c) {
    case compression::gzip: {
      z_stream zs{};
      if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw parade::error("parade: zlib init failed");
      out.resize(at + deflateBound(&zs, uLong(in.size())));
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      zs.avail_in = unsigned(in.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + at);
      zs.avail_out = unsigned(out.size() - at);
      int r = deflate(&zs, Z_FINISH);
      out.resize(at + zs.total_out);
      deflateEnd(&zs);
      if (r != Z_STREAM_END) throw parade::error("parade: gzip compression failed");
      return;
    }
    case compression::zstd: {
      out.resize(at + ZSTD_compressBound(in.size()));
      std::size_t n = ZSTD_compress(out.data() + at, out.size() - at, in.data(), in.size(), 3);
      if (ZSTD_isError(n)) throw parade::error(std::string("parade: zstd compression failed: ") + ZSTD_getErrorName(n));
      out.resize(at + n);
      return;
    }
    case compression::bzip2: {
      unsigned cap = unsigned(in.size() + in.size() / 100 + 600);
      out.resize(at + cap);
      // Block size (x100 kB) to fit the input: level 9 costs 7.6 MB of work
      // memory per call, wasted on a small block.
      int level = int(std::min<std::size_t>(9, in.size() / 100000 + 1));
      char none = 0;  // libbz2 refuses a null source, even for 0 bytes
      char* src = in.empty() ? &none : const_cast<char*>(in.data());
      int r = BZ2_bzBuffToBuffCompress(out.data() + at, &cap, src, unsigned(in.size()), level, 0, 0);
      if (r != BZ_OK) throw parade::error("parade: bzip2 compression failed");
      out.resize(at + cap);
      return;
    }
    default:
      out.append(in);
  }
}

}  // namespace parade::detail::io
