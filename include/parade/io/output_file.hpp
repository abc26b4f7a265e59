// The file behind write_lines: appears complete or not at all. Not API.
// Defined in src/io/output_file.cpp.
#pragma once

#include <string>
#include <string_view>

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

 private:
  std::string path_, dir_, temp_;  // temp_: named temporary (fallback only)
  int fd_ = -1;
  int kind_ = 0;
  bool committed_ = false;
};

}  // namespace parade::detail
