// parade's benchmark suite: each workload runs parade and what a user would
// pick instead (DuckDB, GNU sort, hand-written C++) in one invocation,
// alternating (A B C A B C ...); every contender's output is compared before
// any time is reported. Peak RSS is the kernel's (/usr/bin/time's %M of the
// process). Prints a table and writes it as Markdown and JSON with the
// machine and the date. bench/suite.sh installs the peers, builds and runs
// this; run it directly to repeat workloads:
//   node bench/suite.mjs [--quick] [--reps N] [--only word_count,sort]
// Environment: PARADE_BENCH_BIN (the Release binaries, build/bench/bench),
// PARADE_BENCH_PEERS (where npm installed DuckDB, build/bench/peers),
// PARADE_BENCH_DATA (inputs, made once: /tmp/parade-bench, or
// build/bench/data-quick with --quick), PARADE_BENCH_OUT (results,
// build/bench/results).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const reps = Number(flag('--reps', quick ? 1 : 3));
const only = flag('--only', '').split(',').filter(Boolean);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.PARADE_BENCH_BIN || path.join(root, 'build/bench/bench');
const peers = process.env.PARADE_BENCH_PEERS || path.join(root, 'build/bench/peers');
const data = process.env.PARADE_BENCH_DATA || (quick ? path.join(root, 'build/bench/data-quick') : '/tmp/parade-bench');
const out = process.env.PARADE_BENCH_OUT || path.join(root, 'build/bench/results');
const scratch = path.join(data, 'scratch');  // outputs and spill files, emptied after each run
for (const d of [data, out, scratch]) fs.mkdirSync(d, { recursive: true });

// Sizes: the issue's full workloads, or small ones that check the suite runs.
const size = quick
  ? { corpusMB: 20, sortMB: [20], mapN: 10_000_000, reduceN: 2_000_000, reduceKeys: [1000, 1_000_000],
      users: 100_000, orders: 1_000_000, streamMB: [20, 80], lookups: 20_000 }
  : { corpusMB: 1000, sortMB: [1000, 4000], mapN: 100_000_000, reduceN: 50_000_000,
      reduceKeys: [1000, 1_000_000, 10_000_000], users: 1_000_000, orders: 10_000_000,
      streamMB: [1000, 4000], lookups: 1_000_000 };

// ---- running and measuring ----

function sh(command) {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`failed: ${command}\n${r.stderr}`);
  return r.stdout;
}

// Runs argv under /usr/bin/time: wall seconds, peak RSS in MB, stdout.
function timed(argv, env = {}) {
  const tf = path.join(out, '.time');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', tf, ...argv],
                      { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${argv.join(' ')}\n${r.stderr.slice(-3000)}`);
  const [wall, kb] = fs.readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, rss: kb / 1024, stdout: r.stdout };
}

const field = (text, name) => {
  const m = text.match(new RegExp(`${name}=(\\S*)`));
  return m ? m[1] : undefined;
};

// A Google Benchmark case, alone in its process: its real time per
// iteration and its `result` counter.
function gbench(name, program, filter, env = {}) {
  return {
    name,
    run() {
      const extra = quick ? ['--benchmark_min_time=0.05'] : [];
      const r = timed([path.join(bin, program), `--benchmark_filter=^${filter}$`, '--benchmark_format=json', ...extra], env);
      const b = JSON.parse(r.stdout).benchmarks[0];
      const scale = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 }[b.time_unit];
      return { seconds: b.real_time * scale, rss: r.rss, result: String(b.result) };
    },
  };
}

// A program whose whole run is timed (or with `self`, the seconds= it
// prints: the work without making its input); its result is what `result`
// returns.
function program(name, argv, result = (stdout) => field(stdout, 'result'), env = {}, self = false) {
  return {
    name,
    run() {
      const r = timed(argv, env);
      return { seconds: self ? Number(field(r.stdout, 'seconds')) : r.wall, rss: r.rss, result: result(r.stdout) };
    },
  };
}

// A DuckDB query: `self` times the query alone (for in-memory work where
// start-up would dominate), otherwise the whole process.
function duckdb(name, settings, statements, { self = false, result, setup = [] } = {}) {
  if (setup.length) setup = [...setup, '--'];
  return {
    name,
    run() {
      const r = timed(['node', path.join(root, 'bench/duckdb.mjs'), peers, JSON.stringify(settings), ...setup, ...statements]);
      return { seconds: self ? Number(field(r.stdout, 'seconds')) : r.wall, rss: r.rss,
               result: result ? result(r.stdout) : field(r.stdout, 'result') };
    },
  };
}

// A contender that writes `file`: its result is the file's digest, and the
// file is removed (so the next contender starts from the same free space).
function writes(contender, file) {
  return {
    name: contender.name,
    run() {
      const m = contender.run();
      const result = sh(`md5sum < '${file}'`).split(' ')[0];
      fs.rmSync(file, { force: true });
      fs.rmSync(scratch, { recursive: true, force: true });
      fs.mkdirSync(scratch, { recursive: true });
      return { ...m, result };
    },
  };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
};

// Runs a workload's contenders in turn, reps times; the first contender is
// parade, and every other's ratio is to it.
function workload(w) {
  process.stderr.write(`== ${w.title}\n`);
  const samples = w.contenders.map(() => []);
  for (let r = 0; r < reps; ++r)
    w.contenders.forEach((c, i) => {
      if (c.once && r > 0) return;  // slow baselines run once
      const s = c.run();
      process.stderr.write(`   ${c.name}: ${s.seconds.toFixed(3)} s, ${s.rss.toFixed(0)} MB, result ${s.result}\n`);
      samples[i].push(s);
    });
  // Every result equals the first contender's, or the one a contender
  // says it must give (when contenders work on different inputs).
  const want = samples[0][0].result;
  const rows = w.contenders.map((c, i) => {
    for (const s of samples[i]) {
      const expected = c.expect ?? want;
      if (s.result !== expected)
        throw new Error(`${w.title}: ${c.name} gave ${s.result}, expected ${expected}`);
    }
    return { name: c.name, runs: samples[i].length, seconds: stats(samples[i].map((s) => s.seconds)),
             rss_mb: stats(samples[i].map((s) => s.rss)) };
  });
  for (const r of rows) r.vs_parade = r.seconds.median / rows[0].seconds.median;
  if (w.mb) for (const r of rows) r.mb_per_s = w.mb / r.seconds.median;
  const result = w.contenders.some((c) => c.expect !== undefined) ? 'each the one expected of its input' : want;
  return { id: w.id, title: w.title, how: w.how, result, rows };
}

// ---- inputs ----

function corpus(mb) {
  const file = path.join(data, `gcide-${mb}m.txt`);
  if (!fs.existsSync(file)) {
    const dict = '/usr/share/dictd/gcide.dict.dz';
    if (!fs.existsSync(dict)) throw new Error('needs Debian\'s dict-gcide (bench/suite.sh installs it)');
    sh(`zcat ${dict} > '${file}.one' && : > '${file}.tmp' && ` +
       `while [ $(stat -c %s '${file}.tmp') -lt ${mb * 1_000_000} ]; do cat '${file}.one' >> '${file}.tmp'; done && ` +
       `truncate -s ${mb * 1_000_000} '${file}.tmp' && mv '${file}.tmp' '${file}' && rm '${file}.one'`);
  }
  // DuckDB refuses the few Latin-1 bytes: it reads a UTF-8 copy (the same words).
  if (!fs.existsSync(`${file}.utf8`)) sh(`iconv -f ISO-8859-1 -t UTF-8 '${file}' > '${file}.tmp8' && mv '${file}.tmp8' '${file}.utf8'`);
  sh(`cat '${file}' '${file}.utf8' > /dev/null`);  // page cache warm for everyone
  return file;
}

function records(mb) {
  const file = path.join(data, `records-${mb}.txt`);
  if (!fs.existsSync(file)) sh(`'${bin}/bench_external_sort' gen '${file}.tmp' ${mb} && mv '${file}.tmp' '${file}'`);
  sh(`cat '${file}' > /dev/null`);
  return file;
}

// One text column per line, as it is (no quoting, no header).
const lines = (file) =>
  `read_csv('${file}', columns={'line': 'VARCHAR'}, header=false, delim=E'\\x1f', quote='', escape='', auto_detect=false)`;

// ---- workloads ----

const workloads = {
  map_fold: () => workload({
    id: 'map_fold',
    title: `per-element overhead: sum of x + 1 over range(0, ${size.mapN.toExponential()})`,
    how: 'in-process time of the computation alone (Google Benchmark real time; DuckDB\'s query time, start-up excluded), 2 threads',
    contenders: [
      gbench('parade range.map.fold', 'bench_map_fold', 'parade_map_fold/2/real_time', { PARADE_BENCH_N: size.mapN }),
      gbench('hand-written, 2 threads, scalar loop', 'bench_map_fold', 'hand_written_loop_opaque/2/real_time', { PARADE_BENCH_N: size.mapN }),
      gbench('hand-written, 2 threads, vectorized loop', 'bench_map_fold', 'hand_written_loop/2/real_time', { PARADE_BENCH_N: size.mapN }),
      duckdb('DuckDB SELECT sum(x + 1) FROM range(n)', { threads: '2' },
             [`SELECT sum(x + 1)::BIGINT FROM range(${size.mapN}) t(x)`], { self: true }),
    ],
  }),
  word_count: () => {
    const file = corpus(size.corpusMB);
    const words = `SELECT count(*) FROM (SELECT w FROM (SELECT unnest(string_split_regex(line, '[ \\t\\r]+')) AS w ` +
                  `FROM ${lines(`${file}.utf8`)}) WHERE w <> '' GROUP BY w)`;
    return workload({
      id: 'word_count', mb: size.corpusMB,
      title: `word count, ${size.corpusMB} MB of dict-gcide text (distinct words)`,
      how: 'whole process, page cache warm, 2 threads; DuckDB reads an iconv UTF-8 copy',
      contenders: [
        program('parade read_lines.flat_map.reduce_by_key', [`${bin}/bench_word_count`, 'parade', file, '2']),
        program('hand-written, 2 threads, mmap + absl maps', [`${bin}/bench_word_count`, 'hand', file, '2']),
        duckdb('DuckDB string_split_regex + unnest + GROUP BY', { threads: '2' }, [words]),
        { ...program('tr | sort | uniq (LC_ALL=C, sort --parallel=2)',
                     ['sh', '-c', `tr -s ' \\t\\r\\n' '\\n' < '${file}' | sort -S 1G --parallel=2 | uniq | grep -c .`],
                     (s) => s.trim(), { LC_ALL: 'C' }), once: !quick },
      ],
    });
  },
  reduce_by_key: () => size.reduceKeys.map((keys) => workload({
    id: `reduce_by_key_${keys}`,
    title: `reduce_by_key(+) over ${size.reduceN.toExponential()} int64 pairs, ${keys} keys`,
    how: 'in-process time (Google Benchmark real time), 2 threads; the result is the number of keys',
    contenders: [
      gbench('parade map.reduce_by_key.count', 'bench_reduce_by_key', `parade_reduce_by_key/${keys}/2/iterations:2/real_time`,
             { PARADE_BENCH_N: size.reduceN }),
      gbench('hand-written, per-thread absl maps merged', 'bench_reduce_by_key', `hand_written/${keys}/2/iterations:2/real_time`,
             { PARADE_BENCH_N: size.reduceN }),
    ],
  })),
  sort: () => size.sortMB.map((mb) => {
    const input = records(mb);
    const output = path.join(scratch, 'sorted.txt');
    return workload({
      id: `sort_${mb}`, mb,
      title: `external sort of ${mb} MB of 100-byte records, 256 MB of memory`,
      how: 'whole process, page cache warm, 2 threads, temporary files in the data directory; outputs byte-identical (md5)',
      contenders: [
        writes(program('parade read_lines.sort.write_lines', [`${bin}/bench_external_sort`, 'sort', input, output, '256'],
                       () => '', { TMPDIR: scratch }), output),
        writes(program('GNU sort -S 256M --parallel=2', ['sort', '-S', '256M', '--parallel=2', '-T', scratch, '-o', output, input],
                       () => '', { LC_ALL: 'C' }), output),
        writes(duckdb('DuckDB ORDER BY, COPY TO', { threads: '2', memory_limit: '256MB', temp_directory: scratch },
                      [`COPY (SELECT line FROM ${lines(input)} ORDER BY line) TO '${output}' ` +
                       `(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER E'\\x1f')`], { result: () => '' }), output),
      ],
    });
  }),
  group_prefix: () => {
    const mb = size.sortMB[0];
    const input = records(mb);
    const run = (how) => [`${bin}/bench_external_sort`, 'prefix', input, how, '256'];
    return workload({
      id: 'group_prefix', mb,
      title: `group ${mb} MB of 100-byte records by their first 3 bytes (count, largest record), 256 MB of memory`,
      how: 'whole process, page cache warm, 2 threads, temporary files in the data directory; the result is groups, rows and the bytes of the largest records',
      contenders: [
        program('parade group_by_key (holds each group)', run('group'), undefined, { TMPDIR: scratch }),
        program('parade aggregate_by_key (count, max)', run('aggregate'), undefined, { TMPDIR: scratch }),
        duckdb('DuckDB GROUP BY substr(line, 1, 3)', { threads: '2', memory_limit: '256MB', temp_directory: scratch },
               [`SELECT count(*), sum(c), sum(strlen(m)) FROM (SELECT substr(line, 1, 3) AS k, count(*) AS c, max(line) AS m ` +
                `FROM ${lines(input)} GROUP BY k)`]),
      ],
    });
  },
  join: () => {
    const n = [String(size.users), String(size.orders)];
    const tables = [
      `CREATE TABLE users AS SELECT range AS id, 'user-' || range AS name FROM range(${size.users})`,
      `CREATE TABLE orders AS SELECT (range * 2654435761) % ${size.users} AS id, 'o' || (range % 100000) AS o FROM range(${size.orders})`,
    ];
    return workload({
      id: 'join',
      title: `join of ${size.orders.toExponential()} orders with ${size.users.toExponential()} users (int64 keys, short strings)`,
      how: 'in-process time of the join with every row consumed, inputs made in memory first (DuckDB: as tables), 2 threads; ' +
           'the result is rows and the bytes of their strings; peak RSS includes the inputs',
      contenders: [
        program('parade join', [`${bin}/bench_keyed_ops`, 'join', 'parade', '0', ...n], undefined, {}, true),
        program('parade join, memory_limit 256 MB', [`${bin}/bench_keyed_ops`, 'join', 'parade', '256', ...n], undefined,
                { TMPDIR: scratch }, true),
        program('hand-written hash join, 2 threads (absl map of users)', [`${bin}/bench_keyed_ops`, 'join', 'hand', '0', ...n],
                undefined, {}, true),
        duckdb('DuckDB JOIN USING (id)', { threads: '2' },
               ['SELECT count(*), sum(length(name) + length(o)) FROM users JOIN orders USING (id)'], { self: true, setup: tables }),
      ],
    });
  },
  streaming: () => {
    const [small, big] = size.streamMB;
    const one = corpus(small);
    const many = path.join(data, `gcide-${small}m-x${big / small}.txt`);
    if (!fs.existsSync(many)) sh(`for i in $(seq ${big / small}); do cat '${one}'; done > '${many}.tmp' && mv '${many}.tmp' '${many}'`);
    sh(`cat '${many}' > /dev/null`);
    // The sum of the non-empty lines' lengths: bytes less newlines.
    const expect = (f) => String(Number(sh(`wc -c < '${f}'`)) - Number(sh(`wc -l < '${f}'`)));
    return workload({
      id: 'streaming', mb: undefined,
      title: `streaming memory: read_lines.map(length).filter(> 0).fold(+) over ${small} MB and ${big} MB of text`,
      how: 'whole process, page cache warm, 2 workers; peak RSS must not grow with the input; each result checked against wc -c less wc -l',
      contenders: [
        { ...program(`parade, ${small} MB`, [`${bin}/bench_word_count`, 'stream', one, '2']), expect: expect(one) },
        { ...program(`parade, ${big} MB`, [`${bin}/bench_word_count`, 'stream', many, '2']), expect: expect(many) },
      ],
    });
  },
  scaling: () => workload({
    id: 'scaling',
    title: `scaling: a CPU-bound map (64 multiply-xorshift rounds per element) over ${(size.mapN / 10).toExponential()} elements`,
    how: 'in-process time (Google Benchmark real time); the speed-up of 2 workers is 1 / their time ratio, set against the same loop on plain threads',
    contenders: [
      gbench('parade, 1 worker', 'bench_map_fold', 'parade_cpu_bound/1/real_time', { PARADE_BENCH_N: size.mapN }),
      gbench('parade, 2 workers', 'bench_map_fold', 'parade_cpu_bound/2/real_time', { PARADE_BENCH_N: size.mapN }),
      gbench('hand-written, 1 thread', 'bench_map_fold', 'hand_cpu_bound/1/real_time', { PARADE_BENCH_N: size.mapN }),
      gbench('hand-written, 2 threads (what the machine gives 2 threads)', 'bench_map_fold', 'hand_cpu_bound/2/real_time', { PARADE_BENCH_N: size.mapN }),
    ],
  }),
  contexts: () => {
    const db = path.join(data, 'items.db');
    const run = (how) => [`${bin}/bench_contexts`, how, db, String(size.lookups)];
    return workload({
      id: 'contexts',
      title: `worker contexts: ${size.lookups.toExponential()} SQLite lookups by primary key, 2 workers`,
      how: 'in-process time; the result is the sum of the names\' lengths',
      contenders: [
        program('parade map with a context (a connection per worker)', run('context'), undefined, {}, true),
        program('parade map through one shared connection behind a mutex', run('shared'), undefined, {}, true),
      ],
    });
  },
  compile_time: () => {
    const three = path.join(data, 'three_lines.cpp');
    fs.writeFileSync(three, '#include <parade/parade.hpp>\nint main() {\n  return int(parade::range(0, 1000).map([](std::int64_t x) ' +
                     '{ return x + 1; }).fold(std::int64_t{0}, std::plus<>{}));\n}\n');
    const seq = path.join(data, 'sequential_word_count.cpp');
    fs.writeFileSync(seq, `// What examples/word_count.cpp does without parade, on one thread.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>
int main(int argc, char** argv) {
  std::unordered_map<std::string, std::int64_t> counts;
  for (int a = 1; a < argc; ++a) {
    std::ifstream in(argv[a]);
    for (std::string w; in >> w;) ++counts[w];
  }
  std::vector<std::pair<std::string, std::int64_t>> top(counts.begin(), counts.end());
  std::sort(top.begin(), top.end(), [](auto& x, auto& y) { return x.second > y.second; });
  for (std::size_t i = 0; i < std::min<std::size_t>(10, top.size()); ++i) std::printf("%s %lld\\n", top[i].first.c_str(), (long long)top[i].second);
}
`);
    const cc = (name, file) => program(name, ['g++', '-std=c++20', '-O3', '-DNDEBUG', `-I${root}/include`, '-c', file, '-o', '/dev/null'],
                                      () => '');
    return workload({
      id: 'compile_time',
      title: 'compile time (g++ -std=c++20 -O3, one translation unit, no ccache)',
      how: 'whole compiler process; peak RSS is the compiler\'s',
      contenders: [
        cc('examples/word_count.cpp', path.join(root, 'examples/word_count.cpp')),
        cc('three-line range.map.fold program', three),
        cc('a sequential word count (std only)', seq),
      ],
    });
  },
};

// ---- report ----

function machine() {
  const cache = path.join(bin, '..', 'CMakeCache.txt');
  const flags = fs.existsSync(cache)
    ? (fs.readFileSync(cache, 'utf8').match(/^CMAKE_CXX_FLAGS_RELEASE:STRING=(.*)$/m) || [])[1] : undefined;
  return {
    cpu: os.cpus()[0].model, cores: os.cpus().length, ram_gb: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`, compiler: sh('g++ --version').split('\n')[0], flags: `${flags} (CMAKE_BUILD_TYPE=Release)`,
    duckdb: JSON.parse(fs.readFileSync(path.join(peers, 'node_modules/@duckdb/node-api/package.json'), 'utf8')).version,
    gnu_sort: sh('sort --version').split('\n')[0],
  };
}

const range = (s, digits) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;

function markdown(report) {
  const m = report.machine;
  let md = `# parade benchmarks${report.quick ? ' (--quick: small inputs, a smoke test, not figures)' : ''}\n\n` +
           `${report.date}; ${m.cpu}, ${m.cores} cores, ${m.ram_gb} GiB; ${m.compiler} ${m.flags}; ` +
           `DuckDB ${m.duckdb}; ${m.gnu_sort}. ${report.reps} repetition${report.reps > 1 ? 's' : ''}, alternated; median (min-max).\n`;
  for (const w of report.workloads) {
    md += `\n## ${w.title}\n\n${w.how}. Every contender's result: ${w.result || 'the same output'}.\n\n` +
          `| contender | seconds | peak RSS (MB) | ${w.rows[0].mb_per_s ? 'MB/s | ' : ''}time / parade's |\n` +
          `|---|---|---|${w.rows[0].mb_per_s ? '---|' : ''}---|\n`;
    for (const r of w.rows)
      md += `| ${r.name.replaceAll('|', '\\|')} | ${range(r.seconds, 3)} | ${range(r.rss_mb, 0)} | ${r.mb_per_s ? `${r.mb_per_s.toFixed(0)} | ` : ''}` +
            `${r.vs_parade.toFixed(2)}x |\n`;
  }
  return md;
}

const chosen = Object.keys(workloads).filter((k) => !only.length || only.includes(k));
const report = { date: new Date().toISOString(), quick, reps, machine: machine(), workloads: [] };
for (const k of chosen) report.workloads.push(...[workloads[k]()].flat());
const md = markdown(report);
const stem = path.join(out, quick ? 'bench-quick' : 'bench');
fs.writeFileSync(`${stem}.md`, md);
fs.writeFileSync(`${stem}.json`, JSON.stringify(report, null, 2) + '\n');
fs.rmSync(scratch, { recursive: true, force: true });
console.log(md);
console.log(`written: ${stem}.md, ${stem}.json`);
