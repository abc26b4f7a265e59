// One DuckDB query for bench/suite.mjs: opens an in-memory database with the
// given settings (not timed), runs the statements, times them in-process
// (so node's and DuckDB's start-up are not counted) and prints
//   seconds=<the statements' time> result=<the last one's first row>
// DuckDB comes from npm (@duckdb/node-api), installed by bench/suite.sh
// into PEERS/node_modules.
//   node bench/duckdb.mjs PEERS '{"threads":"2","memory_limit":"256MB"}' 'SQL' ['SQL' ...]
import { createRequire } from 'node:module';
import path from 'node:path';

const [peers, settings, ...statements] = process.argv.slice(2);
const require = createRequire(path.resolve(peers) + '/');
const { DuckDBInstance } = require('@duckdb/node-api');

const instance = await DuckDBInstance.create(':memory:', JSON.parse(settings));
const con = await instance.connect();
const t0 = performance.now();
let rows = [];
for (const sql of statements) rows = (await con.runAndReadAll(sql)).getRows();
const seconds = (performance.now() - t0) / 1000;
const first = rows.length ? rows[0].map(String).join(',') : '';
console.log(`seconds=${seconds.toFixed(4)} result=${first}`);
