'use strict';
// load(db) for better-sqlite3: the SQL module in a better-sqlite3 connection, with BigInt times.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const Sqlite = require('better-sqlite3');
const strata = require('..');
const { T0, tempDir } = require('./helpers');

const HOUR = 3600n * 1000000000n;

test('load(db): a table, INSERTs in a transaction, BigInt times, the aggregate view', (t) => {
  const dir = tempDir(t);
  const db = strata.load(new Sqlite(path.join(dir, 'app.db')));
  t.after(() => db.close());
  db.defaultSafeIntegers(true); // 64-bit integers as BigInt: ns times stay exact
  db.exec("CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, usage_user REAL, requests INTEGER, " +
    `dir='${path.join(dir, 'data')}')`);
  const insert = db.prepare(
    'INSERT INTO cpu(time, hostname, usage_user, requests) VALUES (?, ?, ?, ?)');
  const insertAll = db.transaction((rows) => { for (const r of rows) insert.run(...r); });
  const rows = [];
  for (let m = 0n; m < 120n; m++) {
    for (let h = 0; h < 3; h++) rows.push([T0 + m * 60n * 1000000000n + 1n, `host_${h}`, h * 100 + Number(m % 60n), m]);
  }
  insertAll(rows);
  assert.throws(() => insertAll([[T0, 'host_9', 1.0, 1n], [T0, 'host_9', 'text', 1n]]),
    /cpu\.usage_user/);
  assert.equal(db.prepare('SELECT count(*) AS n FROM cpu').get().n, 360n);
  const last = db.prepare(
    "SELECT time FROM cpu WHERE hostname = 'host_2' ORDER BY time DESC LIMIT 1").get();
  assert.equal(last.time, T0 + 119n * 60n * 1000000000n + 1n, 'times are exact BigInts');
  const view = db.prepare('SELECT hostname, time, usage_user, requests FROM cpu(\'mean\', \'1h\') ' +
    'WHERE time >= ? AND time < ? ORDER BY hostname, time').all(T0, T0 + 2n * HOUR);
  assert.deepEqual(view.map((r) => [r.hostname, (r.time - T0) / HOUR, r.usage_user, r.requests]), [
    ['host_0', 0n, 29.5, 29.5], ['host_0', 1n, 29.5, 89.5],
    ['host_1', 0n, 129.5, 29.5], ['host_1', 1n, 129.5, 89.5],
    ['host_2', 0n, 229.5, 29.5], ['host_2', 1n, 229.5, 89.5],
  ]);
  // The binding reads what SQL wrote, through the same engine.
  const sdb = strata.open(path.join(dir, 'data'));
  t.after(() => sdb.close());
  assert.equal([...sdb.query('cpu', { tags: { hostname: 'host_1' }, field: 'requests' })].length,
    120);
});

test('load(db) refuses what is not a better-sqlite3 connection', () => {
  assert.throws(() => strata.load({}), TypeError);
});
