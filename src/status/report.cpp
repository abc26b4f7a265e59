// The run report: JSON (all of the record) and one self-contained HTML page with
// inline CSS and SVG charts (no scripts, no fetches: it must open anywhere, offline).
#include "status/record.hpp"
#include "status/units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace parade::detail {

const char* step_state_name(int state) {
  switch (state) {
    case 0: return "waiting";
    case 1: return "running";
    case 2: return "finishing";
    case 3: return "done";
    case 4: return "FAILED";
    case 5: return "stopping";
    case 6: return "stopped";
    default: return "unknown";
  }
}

namespace {

// Ill-formed UTF-8 (a path, an error text) becomes U+FFFD: both outputs must be valid UTF-8.
std::string utf8(std::string_view s) {
  static const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};  // shortest form per length
  std::string o;
  o.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    std::uint32_t cp = c & (0x7F >> n);
    for (std::size_t k = 1; ok && k < n; ++k) {
      ok = (s[i + k] & 0xC0) == 0x80;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    if (ok && n > 1) ok = cp >= least[n] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (ok) o.append(s.substr(i, n)), i += n;
    else o += "\xEF\xBF\xBD", ++i;
  }
  return o;
}

// ---- JSON ----

void jstr(std::string& o, std::string_view s) {
  o += '"';
  for (char c : utf8(s)) {
    if (c == '"' || c == '\\') o += '\\', o += c;
    else if (static_cast<unsigned char>(c) < 0x20) o += fmt("\\u%04x", unsigned(c));
    else o += c;
  }
  o += '"';
}

// JSON has no inf or nan.
std::string jnum(double v) { return std::isfinite(v) ? fmt("%.10g", v) : "null"; }
std::string jnum(std::uint64_t v) { return fmt("%llu", static_cast<unsigned long long>(v)); }

// A column: [v0,v1,...] of what f(element) gives.
template <class V, class F>
void jcol(std::string& o, const char* key, const V& v, F f) {
  o += '"', o += key, o += "\":[";
  for (std::size_t i = 0; i < v.size(); ++i) o += (i ? "," : ""), o += jnum(f(v[i]));
  o += ']';
}

// ---- human units ----

// An exact count with thousands separators: "1,234,567".
std::string count(std::uint64_t v) {
  std::string d = jnum(v), o;
  for (std::size_t i = 0; i < d.size(); ++i) o += (i && (d.size() - i) % 3 == 0 ? "," : ""), o += d[i];
  return o;
}

// Durations in prose for the page ("1m 05s", "0.42 s"); the terminal uses the
// more compact clock form of format_duration ("1:05").
std::string secs(double s) {
  if (!std::isfinite(s) || s < 0) return "–";
  if (s < 60) return fmt(s < 10 ? "%.2f s" : "%.1f s", s);
  if (s < 3600) return fmt("%dm %02ds", int(s / 60), int(s) % 60);
  return fmt("%dh %02dm", int(s / 3600), int(s) / 60 % 60);
}

std::string rate(double v, bool in_bytes) { return amount(v, in_bytes) + (in_bytes ? "/s" : " items/s"); }

// ---- HTML ----

std::string esc(std::string_view s) {
  std::string o;
  for (char c : utf8(s)) switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') ? ' ' : c;
    }
  return o;
}

// Page geometry: the card's inner width at 1200px, so SVGs keep fixed pixel sizes.
constexpr double inner_w = 1090, label_w = 150, lane_w = inner_w - label_w - 10, small_w = 530;

// 1, 2 or 5 times a power of ten, giving about n ticks over span.
double tick_step(double span, int n) {
  double raw = span / n, mag = std::pow(10, std::floor(std::log10(raw))), r = raw / mag;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

// Tick marks and "Ns" labels of a time axis from x0 (t = 0) to x0 + w (t = t_max), with optional gridlines up to y_top.
void time_axis(std::string& o, double x0, double w, double y, double t_max, int n, double y_top = -1) {
  double step = tick_step(t_max, n);
  for (double t = 0; t <= t_max * 1.0001; t += step) {
    double x = x0 + w * t / t_max;
    if (y_top >= 0) o += "<line x1='" + fmt("%.1f", x) + "' x2='" + fmt("%.1f", x) + "' y1='" + fmt("%.1f", y_top) +
                         "' y2='" + fmt("%.1f", y) + "' stroke='#e6e9ed'/>";
    const char* anchor = x - x0 < 12 ? "start" : x0 + w - x < 12 ? "end" : "middle";
    o += "<text x='" + fmt("%.1f", x) + "' y='" + fmt("%.1f", y + 13) + "' text-anchor='" + anchor + "'>" +
         fmt(step < 1 ? "%.1fs" : "%.0fs", t) + "</text>";
  }
}

// The one chart of the page: y over time on [0, t_max] x [0, y_max], a line with a pale area under it.
// y_label names y_max at the top of the y axis. Fewer than two points: "no samples".
void line_chart(std::string& o, double w, double h, double t_max, const std::vector<double>& x,
                const std::vector<double>& y, double y_max, const std::string& y_label, const char* color) {
  const double l = 70, r = 10, t = 8, b = 20, pw = w - l - r, ph = h - t - b;  // plot margins: labels left, ticks below
  o += "<svg width='" + fmt("%.0f", w) + "' height='" + fmt("%.0f", h) + "' viewBox='0 0 " + fmt("%.0f %.0f", w, h) +
       "'><rect x='" + fmt("%.0f", l) + "' y='" + fmt("%.0f", t) + "' width='" + fmt("%.0f", pw) + "' height='" +
       fmt("%.0f", ph) + "' fill='#fafbfc' stroke='#d0d7de'/>";
  time_axis(o, l, pw, t + ph, t_max, 6, t);
  o += "<text x='" + fmt("%.0f", l - 6) + "' y='" + fmt("%.0f", t + 9) + "' text-anchor='end'>" + esc(y_label) +
       "</text><text x='" + fmt("%.0f", l - 6) + "' y='" + fmt("%.0f", t + ph) + "' text-anchor='end'>0</text>";
  if (x.size() < 2) {
    o += "<text x='" + fmt("%.0f", l + pw / 2) + "' y='" + fmt("%.0f", t + ph / 2 + 4) +
         "' text-anchor='middle'>no samples</text></svg>";
    return;
  }
  std::string pts;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;  // "nan" would void the whole polyline
    double px = l + pw * std::clamp(x[i] / t_max, 0.0, 1.0);
    double py = t + ph * (1 - std::clamp(y_max > 0 ? y[i] / y_max : 0.0, 0.0, 1.0));
    pts += fmt("%.1f %.1f ", px, py);
  }
  std::string base_l = fmt("%.1f %.1f ", l + pw * std::clamp(x.front() / t_max, 0.0, 1.0), t + ph);
  std::string base_r = fmt("%.1f %.1f", l + pw * std::clamp(x.back() / t_max, 0.0, 1.0), t + ph);
  o += std::string("<polygon points='") + base_l + pts + base_r + "' fill='" + color + "' fill-opacity='0.15'/>";
  o += std::string("<polyline points='") + pts + "' fill='none' stroke='" + color + "' stroke-width='1.5'/></svg>";
}

double peak(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

const char* state_class(std::string_view s) {
  return s == "done" ? "ok" : s == "FAILED" ? "bad" : s == "stopped" || s == "stopping" ? "warn" : "idle";
}

// The workers a step can really use: cap may be SIZE_MAX for "all of them".
double usable_workers(const step_record& s, std::size_t workers) {
  std::size_t c = s.cap == 0 || (workers > 0 && s.cap > workers) ? workers : s.cap;
  return double(std::max<std::size_t>(c, 1));
}

std::string workers_text(double n) { return fmt("%.0f worker%s", n, n == 1 ? "" : "s"); }

const char* css = R"(*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1f2328;
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:24px 20px 40px}
h1{font-size:22px;margin:0 0 6px;display:flex;align-items:center;gap:12px}
h2{font-size:16px;margin:28px 0 10px}
h3{font-size:14px;margin:0 0 8px}
.badge{font-size:12px;font-weight:600;padding:2px 10px;border-radius:10px;text-transform:uppercase;letter-spacing:.04em}
.done{background:#dafbe1;color:#116329}.failed{background:#ffebe9;color:#a40e26}
.cancelled{background:#fff8c5;color:#7d4e00}.other{background:#eaeef2;color:#57606a}
.muted,.meta{color:#57606a;font-weight:400}.meta b{color:#1f2328;font-weight:600}
.err{background:#ffebe9;border:1px solid #ffcecb;color:#82071e;padding:8px 12px;border-radius:6px;margin:10px 0 0;
 white-space:pre-wrap;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 14px;margin-bottom:12px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{padding:6px 10px;border-bottom:1px solid #eaeef2;white-space:nowrap;text-align:left}
th{background:#f6f8fa;font-size:12px;color:#57606a}
.n{text-align:right;font-variant-numeric:tabular-nums}
td.name{white-space:normal;word-break:break-word;font-weight:600}
.ok{color:#116329}.bad{color:#a40e26;font-weight:600}.warn{color:#7d4e00}.idle{color:#57606a}
.tl{display:grid;grid-template-columns:150px 1fr;column-gap:10px;row-gap:4px;align-items:center}
.tl .lbl{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;text-align:right}
.charts{display:flex;gap:30px}.charts figure{margin:0}
figcaption{font-size:12px;color:#57606a;margin-bottom:2px}
.note{width:530px;height:120px;display:flex;align-items:center;justify-content:center;background:#fafbfc;
 border:1px dashed #d0d7de;color:#57606a;margin:0}
svg{display:block}svg text{font-size:11px;fill:#57606a}
)";

// Timeline lane: the step's busy fraction over time as shade, its start..end span as outline.
void lane(std::string& o, const step_record& s, const run_record& r, double t_max) {
  const double h = 22, cap = usable_workers(s, r.workers);
  auto x = [&](double t) { return lane_w * std::clamp(t / t_max, 0.0, 1.0); };
  o += "<svg width='" + fmt("%.0f", lane_w) + "' height='22'><title>" + esc(s.name) + ": " + secs(s.busy_s) +
       " busy (worker-seconds) over " + secs(s.wall_s) + " wall, up to " + workers_text(cap) +
       "</title><rect width='100%' height='22' fill='#f0f3f6'/>";
  // Intervals narrower than 2px merge, so long runs do not make thousands of rects.
  // Busy time is counted when a chunk ends, so it is averaged over the
  // trailing second (as throughput is) rather than per sample interval.
  std::size_t from = 0, j = 0;
  for (std::size_t i = 1; i < s.samples.size(); ++i) {
    const step_sample &a = s.samples[from], &b = s.samples[i];
    if (x(b.t) - x(a.t) < 2 && i + 1 < s.samples.size()) continue;
    while (j + 1 < i && s.samples[j + 1].t <= std::min(a.t, b.t - 1.0)) ++j;
    const step_sample& w = s.samples[j];
    double dt = b.t - w.t, frac = dt > 0 ? std::clamp((b.busy_s - w.busy_s) / (dt * cap), 0.0, 1.0) : 0;
    if (frac >= 0.01)
      o += "<rect x='" + fmt("%.1f", x(a.t)) + "' y='1' width='" + fmt("%.1f", x(b.t) - x(a.t)) +
           "' height='20' fill='#2f81f7' fill-opacity='" + fmt("%.2f", frac) + "'/>";
    from = i;
  }
  if (s.start_s >= 0) {
    double end = s.end_s >= 0 ? s.end_s : t_max;  // still running when the run ended
    o += "<rect x='" + fmt("%.1f", x(s.start_s) + 0.5) + "' y='0.5' width='" +
         fmt("%.1f", std::max(1.0, x(end) - x(s.start_s) - 1)) + "' height='" + fmt("%.0f", h - 1) +
         "' fill='none' stroke='" + (s.state == "FAILED" ? "#cf222e" : "#1f2328") + "'/>";
  }
  o += "</svg>";
}

}  // namespace

std::string report_json(const run_record& r) {
  std::string o = "{\"format\":\"parade-report-1\",\"run\":{\"name\":";
  jstr(o, r.name), o += ",\"outcome\":", jstr(o, r.outcome), o += ",\"error\":", jstr(o, r.error);
  o += ",\"started\":", jstr(o, r.started);
  o += ",\"elapsed_s\":" + jnum(r.elapsed_s) + ",\"workers\":" + jnum(std::uint64_t(r.workers)) +
       ",\"peak_rss_bytes\":" + jnum(r.peak_rss) +
       ",\"memory_budget_bytes\":" + jnum(r.memory_budget) + ",\"memory_peak_bytes\":" + jnum(r.memory_peak) +
       ",\"rss\":{";
  jcol(o, "t", r.rss_t, [](double v) { return v; }), o += ',';
  jcol(o, "bytes", r.rss, [](std::uint64_t v) { return v; }), o += "}},\"steps\":[";
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    const step_record& s = r.steps[i];
    o += i ? ",{\"name\":" : "{\"name\":";
    jstr(o, s.name), o += ",\"kind\":", jstr(o, s.kind), o += ",\"dataset\":", jstr(o, s.dataset);
    o += ",\"unit\":", jstr(o, s.unit);
    o += ",\"total\":" + (s.total ? jnum(*s.total) : std::string("null")) + ",\"in\":" + jnum(s.in) +
         ",\"out\":" + jnum(s.out) + ",\"wall_s\":" + jnum(s.wall_s) + ",\"busy_s\":" + jnum(s.busy_s) +
         ",\"start_s\":" + jnum(s.start_s) + ",\"end_s\":" + jnum(s.end_s) +
         ",\"cap\":" + jnum(std::uint64_t(s.cap)) + ",\"buffer_cap\":" + jnum(std::uint64_t(s.buffer_cap)) + ",\"barrier\":" + (s.barrier ? "true" : "false") +
         ",\"spilled_bytes\":" + jnum(s.spilled) +
         ",\"state\":";
    jstr(o, s.state), o += ",\"samples\":{";
    const auto& v = s.samples;
    jcol(o, "t", v, [](const step_sample& x) { return x.t; }), o += ',';
    jcol(o, "in", v, [](const step_sample& x) { return x.in; }), o += ',';
    jcol(o, "out", v, [](const step_sample& x) { return x.out; }), o += ',';
    jcol(o, "busy_s", v, [](const step_sample& x) { return x.busy_s; }), o += ',';
    jcol(o, "queued", v, [](const step_sample& x) { return std::uint64_t(x.queued); }), o += ',';
    // State codes as names would repeat long strings; step_state_name maps them.
    jcol(o, "state", v, [](const step_sample& x) { return double(x.state); }), o += "}}";
  }
  o += "]";
  if (!r.ranks.empty()) {
    // A distributed run: each rank's own figures (the steps above are their sums).
    o += ",\"ranks\":[";
    for (std::size_t i = 0; i < r.ranks.size(); ++i) {
      const rank_record& k = r.ranks[i];
      o += i ? ",{\"rank\":" : "{\"rank\":";
      o += jnum(std::uint64_t(k.rank)) + ",\"host\":", jstr(o, k.host), o += ",\"state\":", jstr(o, k.state);
      o += ",\"workers\":" + jnum(std::uint64_t(k.workers)) + ",\"peak_rss_bytes\":" + jnum(k.peak_rss) +
           ",\"memory_peak_bytes\":" + jnum(k.memory_peak) + ",\"spilled_bytes\":" + jnum(k.spilled) +
           ",\"sent_bytes\":" + jnum(k.bytes_sent) + ",\"steps\":{";
      jcol(o, "in", k.in, [](std::uint64_t v) { return v; }), o += ',';
      jcol(o, "out", k.out, [](std::uint64_t v) { return v; }), o += ',';
      jcol(o, "busy_s", k.busy_s, [](double v) { return v; }), o += "}}";
    }
    o += "]";
  }
  return o + "}\n";
}

std::string report_html(const run_record& r) {
  // Every chart shares the run's time scale, so they line up with the timeline.
  double t_max = r.elapsed_s;
  for (const auto& s : r.steps)
    for (const auto& x : s.samples) t_max = std::max(t_max, x.t);
  if (!(t_max > 0) || !std::isfinite(t_max)) t_max = 1;

  std::string name = r.name.empty() ? "parade run" : r.name;
  std::string o = "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                  "<meta name='viewport' content='width=device-width,initial-scale=1'><title>" +
                  esc(name) + " · parade report</title><style>" + css + "</style></head><body><main>\n";

  // 1. Header.
  const char* badge = r.outcome == "done" || r.outcome == "failed" || r.outcome == "cancelled" ? r.outcome.c_str()
                                                                                                : "other";
  o += "<h1>" + esc(name) + " <span class='badge " + badge + "'>" + esc(r.outcome.empty() ? "?" : r.outcome) +
       "</span></h1><div class='meta'>started <b>" + esc(r.started) + "</b> · elapsed <b>" + secs(r.elapsed_s) +
       "</b> · <b>" + jnum(std::uint64_t(r.workers)) + "</b> workers" +
       (r.ranks.empty() ? "" : " on <b>" + jnum(std::uint64_t(r.ranks.size())) + "</b> ranks") + " · peak RSS <b>" +
       bytes(double(r.peak_rss)) + "</b>" + (r.ranks.empty() ? "" : " (largest rank)") + "</div>\n";
  if (!r.error.empty()) o += "<pre class='err'>" + esc(r.error) + "</pre>\n";

  // 2. Summary table.
  o += "<h2>Steps</h2><table><tr><th>step</th><th>dataset</th><th>kind</th><th>state</th><th class='n'>in</th>"
       "<th class='n'>out</th><th class='n'>wall</th><th class='n'>busy (worker-s)</th><th class='n'>rate</th>"
       "<th class='n'>total</th></tr>\n";
  for (const auto& s : r.steps) {
    bool b = s.unit == "bytes";
    o += "<tr><td class='name'>" + esc(s.name) + "</td><td>" + esc(s.dataset) + "</td><td>" + esc(s.kind) +
         "</td><td class='" + state_class(s.state) + "'>" + esc(s.state) + "</td><td class='n'>" +
         (b ? bytes(double(s.in)) : count(s.in)) + "</td><td class='n'>" + count(s.out) + "</td><td class='n'>" +
         (s.start_s >= 0 ? secs(s.wall_s) : "–") + "</td><td class='n'>" + secs(s.busy_s) + "</td><td class='n'>" +
         (s.wall_s > 0 && std::isfinite(s.wall_s) ? rate(double(s.in) / s.wall_s, b) : "–") + "</td><td class='n'>" +
         (s.total ? (b ? bytes(double(*s.total)) : count(*s.total)) : "–") + "</td></tr>\n";
  }
  o += "</table>\n";

  // A distributed run: each rank, and each step's input by rank (skew shows).
  if (!r.ranks.empty()) {
    o += "<h2>Ranks <span class='muted' style='font-size:12px'>the steps above are summed over them</span></h2>"
         "<table><tr><th>rank</th><th>host</th><th>state</th><th class='n'>workers</th><th class='n'>peak RSS</th>"
         "<th class='n'>memory peak</th><th class='n'>spilled</th><th class='n'>sent to other ranks</th></tr>\n";
    for (const auto& k : r.ranks)
      o += "<tr><td class='n'>" + jnum(std::uint64_t(k.rank)) + "</td><td>" + esc(k.host) + "</td><td class='" +
           state_class(k.state) + "'>" + esc(k.state) + "</td><td class='n'>" + jnum(std::uint64_t(k.workers)) +
           "</td><td class='n'>" + bytes(double(k.peak_rss)) + "</td><td class='n'>" + bytes(double(k.memory_peak)) +
           "</td><td class='n'>" + bytes(double(k.spilled)) + "</td><td class='n'>" + bytes(double(k.bytes_sent)) +
           "</td></tr>\n";
    o += "</table>\n<h3>Input per rank</h3><table><tr><th>step</th>";
    for (const auto& k : r.ranks) o += "<th class='n'>rank " + jnum(std::uint64_t(k.rank)) + "</th>";
    o += "</tr>\n";
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
      bool b = r.steps[i].unit == "bytes";
      o += "<tr><td class='name'>" + esc(r.steps[i].name) + "</td>";
      for (const auto& k : r.ranks)
        o += "<td class='n'>" + (i < k.in.size() ? (b ? bytes(double(k.in[i])) : count(k.in[i])) : "–") + "</td>";
      o += "</tr>\n";
    }
    o += "</table>\n";
  }

  // 3. Timeline.
  o += "<h2>Timeline <span class='muted' style='font-size:12px'>shade: share of the step's workers busy · "
       "outline: from the step's start to its end</span></h2><div class='card'><div class='tl'>\n";
  for (const auto& s : r.steps) {
    o += "<div class='lbl' title='" + esc(s.name) + "'>" + esc(s.name) + "</div>";
    lane(o, s, r, t_max), o += "\n";
  }
  o += "<div></div><svg width='" + fmt("%.0f", lane_w) + "' height='18'>";
  time_axis(o, 0, lane_w, 0, t_max, 12);
  o += "</svg></div></div>\n";

  // 4. Per step: throughput, and buffer fill.
  o += "<h2>Per step</h2>\n";
  for (const auto& s : r.steps) {
    bool b = s.unit == "bytes";
    std::vector<double> tx, ty, fx, fy;
    // Throughput over the trailing second (or sample interval, if longer),
    // drawn flat across each interval: counters move once per chunk, and a
    // chunk can take longer than a sample interval, so per-interval rates
    // would saw between zero and twice the real rate.
    for (std::size_t i = 1, j = 0; i < s.samples.size(); ++i) {
      const step_sample &a = s.samples[i - 1], &c = s.samples[i];
      while (j + 1 < i && s.samples[j + 1].t <= c.t - 1.0) ++j;
      const step_sample& w = s.samples[std::min(j, i - 1)];
      double dt = c.t - w.t, v = dt > 0 && c.in >= w.in ? double(c.in - w.in) / dt : 0;
      tx.insert(tx.end(), {a.t, c.t}), ty.insert(ty.end(), {v, v});
    }
    for (const auto& x : s.samples) fx.push_back(x.t), fy.push_back(s.buffer_cap ? 100.0 * x.queued / s.buffer_cap : 0);
    if (s.samples.size() < 2) tx.clear(), fx.clear();
    double ymax = peak(ty);
    std::string makes = s.dataset.empty() ? "" : "→ " + esc(s.dataset) + " · ";
    o += "<div class='card'><h3>" + esc(s.name) + " <span class='muted'>" + makes + esc(s.kind) +
         " · <span class='" + state_class(s.state) + "'>" + esc(s.state) + "</span> · up to " +
         workers_text(usable_workers(s, r.workers)) + "</span></h3><div class='charts'><figure><figcaption>" +
         "throughput (" + (b ? "bytes" : "items") + " in per second, over the last second)</figcaption>";
    // The caption names the unit, so the axis label stays short: "132 MB/s", "9.83M/s".
    std::string top = ymax > 0 ? amount(ymax, b) + "/s" : "";
    line_chart(o, small_w, 120, t_max, tx, ty, ymax, top, "#2f81f7");
    o += "</figure><figure>";
    if (s.dataset.empty()) {
      o += "<figcaption>output buffer</figcaption><p class='note'>the run's action: no output dataset</p>";
    } else if (s.barrier) {
      o += "<figcaption>output</figcaption><p class='note'>a barrier: its output is held until its input ends</p>";
    } else if (s.buffer_cap == 0) {
      o += "<figcaption>output buffer</figcaption><p class='note'>fused with the next step: no buffer</p>";
    } else {
      o += "<figcaption>output buffer fill (of " + jnum(std::uint64_t(s.buffer_cap)) + " chunks)</figcaption>";
      line_chart(o, small_w, 120, t_max, fx, fy, 100, "100 %", "#8250df");
    }
    o += "</figure></div></div>\n";
  }

  // 5. Memory.
  if (!r.rss.empty()) {
    std::vector<double> x(r.rss_t.begin(), r.rss_t.begin() + std::min(r.rss_t.size(), r.rss.size())), y;
    for (std::size_t i = 0; i < x.size(); ++i) y.push_back(double(r.rss[i]));
    o += "<h2>Memory <span class='muted' style='font-size:12px'>resident set size</span></h2><div class='card'>";
    line_chart(o, inner_w, 140, t_max, x, y, peak(y), bytes(peak(y)), "#1a7f37");
    o += "</div>\n";
  }
  return o + "</main></body></html>\n";
}

}  // namespace parade::detail
