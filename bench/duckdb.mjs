// One DuckDB query for bench/suite.mjs: opens an in-memory database with the
// given settings, runs the set-up statements (those before `--`; not timed),
// then the others, timed in-process (so node's and DuckDB's start-up are not
// counted), and prints
//   seconds=<the statements' time> result=<the last one's first row>
// DuckDB comes from npm (@duckdb/node-api), installed by bench/suite.sh
// into PEERS/node_modules.
//   node bench/duckdb.mjs PEERS '{"threads":"2","memory_limit":"256MB"}' [SETUP ... --] SQL ...
import { createRequire } from 'node:module';
import path from 'node:path';

const [peers, settings, ...rest] = process.argv.slice(2);
const split = rest.indexOf('--');
const setup = split >= 0 ? rest.slice(0, split) : [];
const statements = split >= 0 ? rest.slice(split + 1) : rest;
const require = createRequire(path.resolve(peers) + '/');
const { DuckDBInstance } = require('@duckdb/node-api');

const instance = await DuckDBInstance.create(':memory:', JSON.parse(settings));
const con = await instance.connect();
for (const sql of setup) await con.run(sql);
const t0 = performance.now();
let rows = [];
for (const sql of statements) rows = (await con.runAndReadAll(sql)).getRows();
const seconds = (performance.now() - t0) / 1000;
const first = rows.length ? rows[0].map(String).join(',') : '';
console.log(`seconds=${seconds.toFixed(4)} result=${first}`);
