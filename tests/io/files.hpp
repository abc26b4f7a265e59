// Helpers for file tests: a scratch directory, compressed writers, and the
// reference reader (std::getline).
#pragma once

#include <bzlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ptest {

namespace fs = std::filesystem;

// A fresh directory, removed with everything in it at the end of the test.
class scratch_dir {
 public:
  scratch_dir() {
    static int n = 0;
    path_ = fs::temp_directory_path() / ("parade-io-" + std::to_string(getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~scratch_dir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }
  // Names of the entries in the directory (hidden ones too), sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, uLong(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = unsigned(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = unsigned(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline std::string zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

inline std::string bzip2(const std::string& in) {
  unsigned cap = unsigned(in.size() + in.size() / 100 + 600);
  std::string out(cap, '\0');
  BZ2_bzBuffToBuffCompress(out.data(), &cap, const_cast<char*>(in.data()), unsigned(in.size()), 9, 0, 0);
  out.resize(cap);
  return out;
}

// The reference: std::getline, dropping a trailing "\r".
inline std::vector<std::string> getline_lines(const std::string& bytes) {
  std::istringstream in(bytes);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

}  // namespace ptest
