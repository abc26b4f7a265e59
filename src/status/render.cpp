// Text of the status display: the live frame, plain log lines and the
// summary table. Pure functions of a frame or a run record.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "status/monitor.hpp"
#include "status/units.hpp"

namespace parade::detail {
namespace {


std::string clock_at(double seconds_from_now) {
  std::time_t t = std::time(nullptr) + std::time_t(std::llround(seconds_from_now));
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

// Terminal columns of one code point: 0 for combining marks and zero-width
// characters, 2 for East Asian wide/fullwidth ones and emoji, else 1. A
// short table of the main blocks (as wcwidth() would say in a UTF-8 locale,
// which a library cannot count on being set).
int columns_of(char32_t c) {
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F)) return 0;
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
      (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
      (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) || (c >= 0x1F900 && c <= 0x1F9FF) ||
      (c >= 0x20000 && c <= 0x3FFFD))
    return 2;
  return 1;
}

// Decodes the code point at s[i] and moves i past it (invalid bytes count
// as one column each, as terminals show them).
char32_t next_code_point(const std::string& s, std::size_t& i) {
  auto b = static_cast<unsigned char>(s[i++]);
  int more = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  char32_t c = more == 3 ? b & 0x07 : more == 2 ? b & 0x0F : more == 1 ? b & 0x1F : b;
  for (; more > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80; --more)
    c = (c << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return c;
}

int width_of(const std::string& s) {
  int w = 0;
  for (std::size_t i = 0; i < s.size();) w += columns_of(next_code_point(s, i));
  return w;
}

// The longest head of s that takes at most w columns.
std::string head_of(const std::string& s, int w) {
  std::size_t i = 0, keep = 0;
  for (int used = 0; i < s.size();) {
    used += columns_of(next_code_point(s, i));
    if (used > w) break;
    keep = i;
  }
  return s.substr(0, keep);
}

// The longest tail of s that takes at most w columns.
std::string tail_of(const std::string& s, int w) {
  std::vector<std::size_t> starts;
  std::vector<int> cols;
  for (std::size_t i = 0; i < s.size();) {
    starts.push_back(i);
    cols.push_back(columns_of(next_code_point(s, i)));
  }
  std::size_t from = s.size();
  for (std::size_t k = starts.size(), used = 0; k-- > 0;) {
    used += std::size_t(cols[k]);
    if (int(used) > w) break;
    from = starts[k];
  }
  return s.substr(from);
}

// Long names lose their middle: "very_long…_name".
std::string ellipsize(const std::string& s, int w) {
  if (width_of(s) <= w) return s;
  if (w <= 1) return w == 1 ? "…" : "";
  int head = (w - 1) / 2 + (w - 1) % 2, tail = (w - 1) / 2;
  return head_of(s, head) + "…" + tail_of(s, tail);
}

std::string pad(const std::string& s, int w, bool right = false) {
  int n = width_of(s);
  if (n >= w) return s;
  return right ? std::string(std::size_t(w - n), ' ') + s : s + std::string(std::size_t(w - n), ' ');
}

const char* colour_of(step_state s) {
  switch (s) {
    case step_state::waiting: return "\x1b[2m";
    case step_state::running: return "\x1b[36m";
    case step_state::finishing: return "\x1b[34m";
    case step_state::done: return "\x1b[32m";
    case step_state::failed: return "\x1b[1;31m";
    default: return "\x1b[33m";
  }
}

// Text without its escape sequences.
std::string unpainted(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\x1b') {
      out += s[i];
      continue;
    }
    while (i + 1 < s.size() && !(s[i + 1] >= '@' && s[i + 1] <= '~' && s[i + 1] != '[')) ++i;
    ++i;  // the final byte
  }
  return out;
}

// User text (names, messages) may hold newlines, tabs or escape codes; a
// frame line must not, or the redraw's cursor moves go wrong.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return s;
}

std::string paint(const std::string& s, const char* code, bool color) {
  return color ? code + s + "\x1b[0m" : s;
}

// A row of fields; the least important go first when the terminal is narrow.
struct field {
  std::string text;  // already padded
  int width;
  int priority;      // higher stays longer
};

std::string fit(const std::vector<field>& fields, int width) {
  std::vector<bool> keep(fields.size(), true);
  // Fields may be wider than declared (10/16 busy, a huge count).
  auto cols = [&](const field& f) { return std::max(f.width, width_of(unpainted(f.text))); };
  auto total = [&] {
    int w = 0;
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (keep[i]) w += cols(fields[i]) + 1;
    return w;
  };
  while (total() > width + 1) {
    std::size_t drop = fields.size();
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (keep[i] && (drop == fields.size() || fields[i].priority <= fields[drop].priority)) drop = i;
    if (drop == fields.size() || fields[drop].priority >= 100) break;
    keep[drop] = false;
  }
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (keep[i]) out += (out.empty() ? "" : " ") + fields[i].text;
  return out;
}

std::string bar(std::uint32_t used, std::uint32_t cap, int cells) {
  int full = cap ? int(std::lround(double(std::min(used, cap)) / cap * cells)) : 0;
  std::string s = "▕";
  for (int i = 0; i < cells; ++i) s += i < full ? "█" : "░";
  return s + "▏";
}

std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : one_line(s)) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

// A distributed run's ranks: each with its host, state and memory when
// they fit, else how many are in each state and the largest memory.
std::string ranks_line(const std::vector<rank_line>& ranks, int width, bool color) {
  auto each = [&](bool c) {
    std::string l = "  " + std::to_string(ranks.size()) + " ranks:";
    for (auto& r : ranks) {
      l += " " + std::to_string(r.rank) + (r.host.empty() ? "" : " " + ellipsize(one_line(r.host), 16)) + " " +
           paint(r.host.empty() ? "unheard" : step_state_name(int(r.state)), colour_of(r.state), c);
      if (r.rss) l += " " + bytes(double(r.rss));
      if (&r != &ranks.back()) l += " ·";
    }
    return l;
  };
  if (width_of(each(false)) <= width) return each(color);
  int count[8] = {};
  std::size_t biggest = 0;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    ++count[std::min(int(ranks[i].state), 7)];
    if (ranks[i].rss > ranks[biggest].rss) biggest = i;
  }
  std::string l = "  " + std::to_string(ranks.size()) + " ranks:";
  for (int st = 0; st < 7; ++st)
    if (count[st]) l += " " + std::to_string(count[st]) + " " + step_state_name(st) + ",";
  l += " largest RSS " + bytes(double(ranks[biggest].rss)) + " (rank " + std::to_string(ranks[biggest].rank) + ")";
  return width_of(l) > width ? ellipsize(l, width) : l;
}

}  // namespace

int text_columns(const std::string& s) { return width_of(unpainted(s)); }

std::string format_duration(double s) {
  if (!(s >= 0)) return "—";
  if (s < 10) return fmt("%.1fs", s);
  auto t = std::llround(s);
  char buf[32];
  if (t < 60) std::snprintf(buf, sizeof buf, "%llds", t);
  else if (t < 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
  return buf;
}

std::vector<std::string> render_live(const frame& f, int width, bool color) {
  std::vector<std::string> lines;
  // Header: name, elapsed, overall ETA (of the phase running now). Built
  // twice, plain and painted: a header too wide is shortened, unpainted.
  auto header = [&](bool c) {
    std::string h = paint(one_line(f.name), "\x1b[1m", c);
    if (f.outcome.empty()) {
      h += " · " + format_duration(f.elapsed) + " elapsed · ETA ";
      h += f.eta ? format_duration(*f.eta) + " at " + clock_at(*f.eta) : "—";
      if (f.phases > 1) h += " · phase " + std::to_string(f.phase + 1) + "/" + std::to_string(f.phases);
      if (f.spilled > 0) h += " · spilled " + bytes(double(f.spilled));
    } else if (f.outcome == "done") {
      h += " · " + paint("done", "\x1b[32m", c) + " in " + format_duration(f.elapsed);
    } else {
      bool failed = f.outcome == "failed";
      h += " · " + paint(failed ? "FAILED" : f.outcome, failed ? "\x1b[1;31m" : "\x1b[33m", c) + " after " +
           format_duration(f.elapsed);
      if (!f.error.empty()) h += ": " + one_line(f.error);
    }
    return h;
  };
  std::string plain_head = header(false);
  lines.push_back(width_of(plain_head) > width ? ellipsize(plain_head, width) : header(color));
  if (!f.ranks.empty()) lines.push_back(ranks_line(f.ranks, width, color));

  int nw = 8;
  for (auto& v : f.steps) nw = std::max({nw, width_of(v.s->name) + 2, width_of(v.s->dataset) + 4});
  nw = std::min(nw, std::max(12, std::min(32, width / 4)));
  for (auto& v : f.steps) {
    // The step: state, processed/total and percent, rate, ETA, workers.
    std::vector<field> row;
    row.push_back({"  " + pad(ellipsize(one_line(v.s->name), nw - 2), nw - 2), nw, 100});
    std::string st = step_state_name(int(v.state));
    row.push_back({paint(pad(st, 9), colour_of(v.state), color), 9, 100});
    std::string prog = amount(double(v.in), v.s->bytes) + "/" + (v.total ? amount(double(*v.total), v.s->bytes) : "—");
    row.push_back({pad(prog, 19), 19, 90});
    std::string pct;
    if (v.total && *v.total > 0) pct = fmt("%.0f%%", std::min(100.0, 100.0 * double(v.in) / double(*v.total)));
    else if (v.total) pct = v.state == step_state::done ? "100%" : "0%";
    row.push_back({pad(pct, 4, true), 4, 60});
    bool active = v.state == step_state::running || v.state == step_state::finishing || v.state == step_state::stopping;
    row.push_back({pad(active && v.rate.value_or(0) > 0 ? amount(*v.rate, v.s->bytes) + "/s" : "", 10, true), 10, 70});
    std::string eta = active ? "ETA " + (v.eta ? format_duration(*v.eta) : std::string("—")) : "";
    row.push_back({pad(eta, 11), 11, 80});
    row.push_back({pad(active && v.eta ? clock_at(*v.eta) : "", 8), 8, 40});
    std::string workers = v.cap ? std::to_string(std::min(v.busy, v.cap)) + "/" + std::to_string(v.cap) + " busy" : "";
    row.push_back({pad(active ? workers : "", 9), 9, 50});
    lines.push_back(fit(row, width));
    if (v.s->dataset.empty()) continue;

    // The dataset it makes: length, and the buffer between it and the next step.
    std::vector<field> ds;
    ds.push_back({"    → " + pad(ellipsize(one_line(v.s->dataset), nw - 4), nw - 4), nw + 2, 100});
    std::string len;
    if (v.state == step_state::done) len = count_si(double(v.out)) + " items";
    else if (v.length) len = count_si(double(v.out)) + "/" + count_si(double(*v.length)) + " items";
    else if (v.state == step_state::waiting) len = "";
    else len = "streaming, " + count_si(double(v.out)) + " so far";
    ds.push_back({pad(len, 26), 26, 90});
    std::string buf;
    if (v.s->barrier) buf = "held until its input ends";
    else if (v.buffer_cap) buf = "buffer " + bar(v.queued, v.buffer_cap, 8) + " " + std::to_string(v.queued) + "/" + std::to_string(v.buffer_cap);
    else buf = "fused into the next step";
    ds.push_back({buf, width_of(buf), 60});
    lines.push_back(fit(ds, width));
  }
  // Last resort on a very narrow terminal: cut (and unpaint) what still
  // does not fit, so no line wraps and the redraw's cursor moves stay right.
  for (auto& l : lines) {
    std::string v = unpainted(l);
    if (width_of(v) > width) l = head_of(v, width);
  }
  return lines;
}

std::vector<std::string> fit_height(std::vector<std::string> lines, int rows) {
  // A frame taller than the terminal scrolls, and the cursor cannot move up
  // past the top to redraw it: first the dataset rows go, then the last
  // steps give way to a count of them. One row stays free for the cursor.
  std::size_t limit = std::size_t(std::max(rows - 1, 1));
  if (lines.size() <= limit) return lines;
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (i == 0 || lines[i].rfind("    → ", 0) != 0) kept.push_back(std::move(lines[i]));
  if (kept.size() <= limit) return kept;
  std::size_t more = kept.size() - (limit - 1);
  kept.resize(limit - 1);
  if (limit > 1) kept.push_back("  … " + std::to_string(more) + " more steps");
  return kept;
}

std::string render_plain_line(const frame& f, const step_view& v) {
  std::string s = "parade: run=" + quote(f.name) + " t=" + fmt("%.1fs", f.elapsed) + " step=" + quote(v.s->name) +
                  " state=" + step_state_name(int(v.state)) + " processed=" + std::to_string(v.in) +
                  " total=" + (v.total ? std::to_string(*v.total) : "-") + " unit=" + (v.s->bytes ? "bytes" : "items") +
                  " out=" + std::to_string(v.out) + " rate=" + (v.rate ? fmt("%.0f/s", *v.rate) : "-") + " eta=" +
                  (v.eta ? fmt("%.1fs", *v.eta) : "-");
  return s + "\n";
}

std::string render_summary(const run_record& r, bool plain, bool color, int width) {
  std::string s;
  if (plain) {
    s += "parade: summary run=" + quote(r.name) + " outcome=" + r.outcome + " elapsed=" + fmt("%.2fs", r.elapsed_s) +
         " peak_rss=" + std::to_string(r.peak_rss) + " workers=" + std::to_string(r.workers) +
         " memory_peak=" + std::to_string(r.memory_peak) + " memory_budget=" + std::to_string(r.memory_budget);
    if (!r.ranks.empty()) s += " ranks=" + std::to_string(r.ranks.size());
    if (!r.error.empty()) s += " error=" + quote(r.error);
    s += "\n";
    for (auto& k : r.ranks)
      s += "parade: summary rank=" + std::to_string(k.rank) + " host=" + quote(k.host) + " state=" + k.state +
           " workers=" + std::to_string(k.workers) + " peak_rss=" + std::to_string(k.peak_rss) +
           " memory_peak=" + std::to_string(k.memory_peak) + " spilled=" + std::to_string(k.spilled) +
           " sent=" + std::to_string(k.bytes_sent) + "\n";
    for (auto& x : r.steps) {
      s += "parade: summary step=" + quote(x.name) + " state=" + x.state + " in=" + std::to_string(x.in) +
           " out=" + std::to_string(x.out) + " unit=" + x.unit + " wall=" + fmt("%.2fs", x.wall_s) +
           " busy=" + fmt("%.2fs", x.busy_s) + " rate=" + fmt("%.0f", x.wall_s > 0 ? double(x.in) / x.wall_s : 0) + "/s" +
           (x.barrier ? " spilled=" + std::to_string(x.spilled) : std::string()) + "\n";
    }
    return s;
  }
  s += paint(one_line(r.name), "\x1b[1m", color) + ": " + r.outcome + " in " + format_duration(r.elapsed_s) + " · peak RSS " +
       bytes(double(r.peak_rss)) + " · " + std::to_string(r.workers) + " workers";
  if (!r.ranks.empty()) s += " on " + std::to_string(r.ranks.size()) + " ranks";
  std::uint64_t spilled = 0;
  for (auto& x : r.steps) spilled += x.spilled;
  if (spilled > 0)
    s += " · spilled " + bytes(double(spilled)) + " (memory budget " + bytes(double(r.memory_budget)) + ")";
  s += "\n";
  int nw = 4;
  for (auto& x : r.steps) nw = std::max(nw, width_of(x.name));
  nw = std::min(nw, std::max(8, width / 4));
  auto row = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                 const std::string& e, const std::string& g, const std::string& h) {
    std::string line = "  " + pad(ellipsize(a, nw), nw) + " " + pad(b, 8) + " " + pad(c, 10, true) + " " +
                       pad(d, 10, true) + " " + pad(e, 8, true) + " " + pad(g, 8, true) + " " + pad(h, 12, true);
    if (width_of(line) > width) line = head_of(line, width);
    return line + "\n";
  };
  // A distributed run: a line per rank (up to 16; the report has them all).
  for (std::size_t i = 0; i < r.ranks.size() && i < 16; ++i) {
    const auto& k = r.ranks[i];
    std::string line = "  rank " + std::to_string(k.rank) + " " + one_line(k.host) + ": " + k.state + " · peak RSS " +
                       bytes(double(k.peak_rss)) + " · sent " + bytes(double(k.bytes_sent));
    if (k.spilled) line += " · spilled " + bytes(double(k.spilled));
    s += (width_of(line) > width ? ellipsize(line, width) : line) + "\n";
  }
  if (r.ranks.size() > 16) s += "  … " + std::to_string(r.ranks.size() - 16) + " more ranks in the report\n";
  s += paint(row("step", "state", "in", "out", "wall", "busy", "rate"), "\x1b[2m", color);
  for (auto& x : r.steps) {
    bool b = x.unit == "bytes";
    double rate = x.wall_s > 0 ? double(x.in) / x.wall_s : 0;
    s += row(one_line(x.name), x.state, amount(double(x.in), b), x.dataset.empty() ? "—" : count_si(double(x.out)),
             format_duration(x.wall_s), format_duration(x.busy_s), amount(rate, b) + "/s");
  }
  return s;
}

}  // namespace parade::detail
