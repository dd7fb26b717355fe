#!/usr/bin/env node
'use strict';
// node_bench: the Node.js binding's write and read throughput on the TSBS-like cpu data, beside
// the C figures of abi_bench and abi_read_bench (tests/bench/bindings_bench.sh runs them
// together). Writes: the columnar path (Batch.series once per host and field, then per batch
// appendFloats of typed arrays, write and clearPoints) and writeLines of the .lp file, each into
// a fresh directory. Reads, after compaction, the median of --repeat runs: one field and every
// field by series (Cursor.readBlock), and every field by rows (Rows.readBlock).
//
//   STRATA_LIBRARY=build/libstrata.so node tests/bench/node_bench.js cpu.csv [cpu.lp]
//       [--options sync=full] [--batch 50000] [--repeat 11]

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const strata = require('../../bindings/node');

const NTAGS = 10;

function parseArgs(argv) {
  const a = { files: [], options: '', batch: 50000, repeat: 11 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--options') a.options = argv[++i];
    else if (argv[i] === '--batch') a.batch = Number(argv[++i]);
    else if (argv[i] === '--repeat') a.repeat = Number(argv[++i]);
    else a.files.push(argv[i]);
  }
  return a;
}

function loadCsv(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l);
  const head = lines[0].split(',');
  const tagKeys = head.slice(1, 1 + NTAGS);
  const fields = head.slice(1 + NTAGS);
  const hosts = [];
  const steps = [];
  let first = null;
  const rows = lines.length - 1;
  for (let r = 0; r < rows; r++) {
    const parts = lines[r + 1].split(',');
    if (first === null) first = parts[0];
    if (parts[0] !== first) break;
    hosts.push(Object.fromEntries(tagKeys.map((k, i) => [k, parts[1 + i]])));
  }
  const nsteps = rows / hosts.length;
  const cols = Array.from({ length: hosts.length * fields.length },
    () => new Float64Array(nsteps));
  const times = new BigInt64Array(nsteps);
  for (let r = 0; r < rows; r++) {
    const parts = lines[r + 1].split(',');
    const step = Math.floor(r / hosts.length);
    const host = r % hosts.length;
    if (host === 0) times[step] = BigInt(parts[0]);
    for (let f = 0; f < fields.length; f++) {
      cols[host * fields.length + f][step] = Number(parts[1 + NTAGS + f]);
    }
  }
  return { fields, hosts, times, cols };
}

function report(what, points, secs, cpu) {
  console.log(`node ${what.padEnd(40)} ${String(points).padStart(10)} points  ` +
    `${secs.toFixed(3).padStart(7)} s ${String(Math.round(points / secs)).padStart(12)} ` +
    `points/s  ${cpu.toFixed(3).padStart(7)} s cpu ${String(Math.round(points / cpu)).padStart(12)} ` +
    'points/cpu-s');
}

/** A start mark: wall time and the process's CPU time (all threads), as abi_bench prints. */
const mark = () => ({ wall: process.hrtime.bigint(), cpu: process.cpuUsage() });
const wallSince = (m) => Number(process.hrtime.bigint() - m.wall) / 1e9;
const cpuSince = (m) => {
  const u = process.cpuUsage(m.cpu);
  return (u.user + u.system) / 1e6;
};

// Batches of about batchPoints points as a Node.js writer would write them: each series
// resolved once (series), its arrays appended (appendFloats), write, then clearPoints, which
// keeps the series resolved for the next batch.
function benchColumnar(d, db, batchPoints) {
  const b = new strata.Batch();
  const per = Math.max(1, Math.floor(batchPoints / (d.hosts.length * d.fields.length)));
  let points = 0;
  const t0 = mark();
  const refs = d.hosts.flatMap((tags) => d.fields.map((field) => b.series('cpu', tags, field,
    'float')));
  for (let s = 0; s < d.times.length; s += per) {
    const e = Math.min(s + per, d.times.length);
    const times = d.times.subarray(s, e);
    refs.forEach((ref, c) => b.appendFloats(ref, times, d.cols[c].subarray(s, e)));
    db.write(b);
    points += b.count;
    b.clearPoints();
  }
  report('columnar write', points, wallSince(t0), cpuSince(t0));
  b.close();
}

function benchLines(file, db, batchPoints, fieldsPerLine) {
  const text = fs.readFileSync(file);
  const perCall = Math.floor(batchPoints / fieldsPerLine);
  let points = 0;
  const t0 = mark();
  for (let pos = 0; pos < text.length;) {
    let end = pos;
    let nl = 0;
    while (end < text.length && nl < perCall) {
      end = text.indexOf(10, end);
      end = end < 0 ? text.length : end + 1;
      nl++;
    }
    db.writeLines(text.subarray(pos, end));
    points += nl * fieldsPerLine;
    pos = end;
  }
  report('writeLines', points, wallSince(t0), cpuSince(t0));
}

function readSeries(db, field) {
  const c = db.query('cpu', { field });
  let points = 0;
  const blocks = [];
  for (let blk; (blk = c.readBlock(65536)) !== null;) {
    blocks.push(blk);
    points += blk.values.length;
  }
  return points;
}

function readRows(db) {
  const r = db.queryRows('cpu');
  let points = 0;
  const blocks = [];
  for (let blk; (blk = r.readBlock(65536)) !== null;) {
    blocks.push(blk);
    for (const f in blk.fields) if (blk.fields[f] !== null) points += blk.fields[f].length;
  }
  return points;
}

function benchRead(what, repeat, fn) {
  const walls = [];
  const cpus = [];
  let points = 0;
  for (let i = 0; i < repeat; i++) {
    const t0 = mark();
    points = fn();
    walls.push(wallSince(t0));
    cpus.push(cpuSince(t0));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  report(`${what} (median of ${repeat})`, points, median(walls), median(cpus));
}

function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.files.length < 1) {
    console.error('usage: node_bench.js cpu.csv [cpu.lp] [--options k=v;...] [--batch n]');
    process.exit(2);
  }
  const d = loadCsv(a.files[0]);
  console.log(`strata ${strata.version()} (Node.js binding, node ${process.version}): ` +
    `${d.hosts.length} hosts x ${d.times.length} steps x ${d.fields.length} fields = ` +
    `${d.hosts.length * d.times.length * d.fields.length} points, batches of ${a.batch} ` +
    `points, options '${a.options}'`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-node-bench-'));
  try {
    const db = strata.open(path.join(root, 'columnar'), a.options);
    benchColumnar(d, db, a.batch);
    if (a.files[1]) {
      const lines = strata.open(path.join(root, 'lines'), a.options);
      benchLines(a.files[1], lines, a.batch, d.fields.length);
      lines.close();
    }
    db.compact();
    benchRead('query readBlock 1 field', a.repeat, () => readSeries(db, 'usage_user'));
    benchRead('query readBlock 10 fields', a.repeat, () => readSeries(db, undefined));
    benchRead('queryRows readBlock 10 fields', a.repeat, () => readRows(db));
    db.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main();
