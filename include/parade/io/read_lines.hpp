// parade::read_lines: the lines of text files, read by all workers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "parade/dataset.hpp"

namespace parade {
namespace detail {

// Compiled in src/io/read_lines.cpp, so users' builds need no compression
// headers. make_line_source expands the inputs (throws parade::error naming a
// missing path, an empty glob, an unreadable file) and sets the step's total
// to the input's bytes.
std::shared_ptr<source_def> make_line_source(run_state& rs, step_stats& stats, const std::vector<std::string>& inputs);
std::unique_ptr<reader_base> make_line_reader(run_state& rs, step_stats& stats, source_def& source,
                                              sink<std::string>& out);

class line_node final : public node<std::string> {
 public:
  line_node(std::vector<std::string> inputs, source_options o) : inputs_(std::move(inputs)), o_(std::move(o)) {}
  open_end<std::string> compile(run_state& rs) const override {
    open_end<std::string> e;
    auto& stats = add_source_step(rs, e, o_, "read_lines", std::nullopt, "Lines");
    stats.bytes = true;  // progress by bytes: right even when line lengths vary
    stats.yield = yields::unknown;
    e.source = make_line_source(rs, stats, inputs_);
    e.make = [&rs, &stats, src = e.source](sink<std::string>& out) { return make_line_reader(rs, stats, *src, out); };
    return e;
  }

 private:
  std::vector<std::string> inputs_;
  source_options o_;
};

}  // namespace detail

// dataset<std::string> of the lines of a file, of the files a glob matches
// ("logs/*.gz"), or of the regular files under a directory (recursively,
// skipping names that start with '.' or '_', like _SUCCESS markers). Files in
// sorted path order, lines in file order; lines lose their "\n" and a trailing
// "\r"; a last line without "\n" is a line.
//
// Plain files are split into byte ranges read by all workers at once; gzip,
// zstd and bzip2 files (known by their magic bytes) are decompressed as
// streams, one worker per file, several files at once. Progress counts input
// bytes. Missing paths, empty globs, unreadable and corrupt files throw
// parade::error naming the path (and the line, for corrupt data).
//   auto lines = parade::read_lines("corpus/*.txt.gz");
//
// A template, not a string_view parameter: read_lines({"a.csv", "b.csv"})
// must go to the list form below (two string literals also make a
// string_view, from an iterator pair).
template <class Path>
  requires std::is_convertible_v<const Path&, std::string_view> || std::is_convertible_v<const Path&, std::string>
dataset<std::string> read_lines(const Path& path_or_glob_or_dir, source_options src = {}) {
  std::string path;
  if constexpr (std::is_convertible_v<const Path&, std::string_view>) path = std::string_view(path_or_glob_or_dir);
  else path = path_or_glob_or_dir;  // std::filesystem::path
  return dataset<std::string>(
      std::make_shared<detail::line_node>(std::vector<std::string>{std::move(path)}, std::move(src)));
}

// The lines of several paths, globs or directories, each expanded as above,
// in the order given.
//   auto lines = parade::read_lines({"users.csv", "more/users-*.csv"});
inline dataset<std::string> read_lines(std::vector<std::string> paths, source_options src = {}) {
  return dataset<std::string>(std::make_shared<detail::line_node>(std::move(paths), std::move(src)));
}

}  // namespace parade
