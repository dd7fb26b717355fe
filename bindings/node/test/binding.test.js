'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const strata = require('..');
const { T0, SEC, openTemp } = require('./helpers');

test('points of every type round trip, with int64 and ns times exact', (t) => {
  const { db } = openTemp(t);
  const b = new strata.Batch();
  t.after(() => b.close());
  const tags = { host: 'a', region: 'eu' };
  const big = 9007199254740993n; // 2^53 + 1: not a safe Number
  b.addFloat('cpu', tags, 'usage', T0 + 1n, 1.5);
  b.addInt('cpu', tags, 'count', T0 + 1n, -(2n ** 63n));
  b.addInt('cpu', tags, 'big', T0 + 1n, big);
  b.addBool('cpu', tags, 'up', T0 + 1n, false);
  b.addString('cpu', tags, 'note', T0 + 1n, 'héllo');
  b.addString('cpu', tags, 'bytes', T0 + 1n, Buffer.from([0x61, 0, 0x62]));
  assert.equal(b.count, 6);
  db.write(b);
  assert.equal(b.count, 6, 'write leaves the batch as it is');
  const got = {};
  for (const p of db.query('cpu')) {
    assert.equal(p.time, T0 + 1n);
    assert.equal(p.series, `cpu,host=a,region=eu#${p.field}`);
    got[p.field] = p.value;
  }
  assert.deepEqual(got, { usage: 1.5, count: -(2n ** 63n), big, up: false, note: 'héllo',
    bytes: 'a\0b' });
  assert.equal(db.fieldType('cpu', 'big'), 'int');
  assert.equal(db.fieldType('cpu', 'nope'), null);
});

test('columnar appends and block reads', (t) => {
  const { db } = openTemp(t);
  const b = new strata.Batch();
  t.after(() => b.close());
  const n = 20000;
  const times = new BigInt64Array(n);
  const floats = new Float64Array(n);
  const ints = new BigInt64Array(n);
  const bools = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    times[i] = T0 + BigInt(i) * 10n * SEC;
    floats[i] = Math.sin(i) * 100;
    ints[i] = BigInt(i) * BigInt(i) * 1000003n;
    bools[i] = i % 3 === 0 ? 1 : 0;
  }
  for (const host of ['a', 'b']) {
    const f = b.series('m', { host }, 'f', 'float');
    assert.equal(b.series('m', { host }, 'f', 'float'), f);
    b.appendFloats(f, times, floats);
    b.appendInts(b.series('m', { host }, 'i', 'int'), times, ints);
    b.appendBools(b.series('m', { host }, 'b', 'bool'), times, bools);
  }
  db.writeAndClear(b);
  assert.equal(b.count, 0);
  db.flush();
  const c = db.query('m', { tags: { host: 'b' }, field: 'i' });
  const gotTimes = [];
  const gotInts = [];
  for (let blk; (blk = c.readBlock(777)) !== null;) {
    assert.equal(blk.series, 'm,host=b#i');
    assert.equal(blk.type, 'int');
    assert.ok(blk.times.length <= 777 && blk.values instanceof BigInt64Array);
    gotTimes.push(...blk.times);
    gotInts.push(...blk.values);
  }
  assert.deepEqual(gotTimes, [...times]);
  assert.deepEqual(gotInts, [...ints]);
  const pts = [...db.query('m', { tags: { host: 'a' }, field: 'b', start: T0 + 30n * SEC,
    end: T0 + 60n * SEC })];
  assert.deepEqual(pts.map((p) => p.value), [true, false, false, true]);
  // Plain arrays work too, with safe Numbers or Dates as times.
  const r = b.series('m', { host: 'c' }, 'f', 'float');
  b.appendFloats(r, [new Date(Date.UTC(2016, 0, 1)), 1000], [1, 2]);
  db.write(b);
  assert.deepEqual([...db.query('m', { tags: { host: 'c' } })].map((p) => p.time), [1000n, T0]);
  assert.throws(() => b.appendFloats(r, [1n, 2n], [1]), /2 times but 1 values/);
  assert.throws(() => b.appendFloats(999, [1n], [1]), (e) => e.code === 'STRATA_INVALID');
});

test('row queries: IN filters, fields, ranges, order, limits and blocks', (t) => {
  const { db } = openTemp(t);
  let lp = '';
  for (let h = 0; h < 4; h++) {
    for (let i = 0n; i < 100n; i++) {
      lp += `cpu,host=h${h},rack=r${3 - h} u=${i}.5,n=${i}i,s="x${i % 2n}" ${T0 + i * SEC}\n`;
    }
  }
  lp += `cpu,host=h9 u=7 ${T0}\n`;
  db.writeLines(lp);
  const count = {};
  for (const row of db.queryRows('cpu', { tags: { host: ['h1', 'h3', 'h9'] },
    fields: ['u', 'n', 's'], start: T0 + 10n * SEC, end: T0 + 19n * SEC })) {
    count[row.tags.host] = (count[row.tags.host] || 0) + 1;
    assert.equal(row.fields.u, Number((row.time - T0) / SEC) + 0.5);
    assert.equal(row.fields.n, (row.time - T0) / SEC);
    assert.equal(row.fields.s, `x${(row.time - T0) / SEC % 2n}`);
  }
  assert.deepEqual(count, { h1: 10, h3: 10 });
  const h9 = [...db.queryRows('cpu', { tags: { host: 'h9' } })];
  assert.deepEqual(h9.map((r) => r.fields), [{ u: 7 }]);

  const newest = [...db.queryRows('cpu', { descending: true, limitPerTagSet: 1,
    orderTags: ['rack'], fields: 'u' })];
  assert.deepEqual(newest.map((r) => r.tagset), ['cpu,host=h9', 'cpu,host=h3,rack=r0',
    'cpu,host=h2,rack=r1', 'cpu,host=h1,rack=r2', 'cpu,host=h0,rack=r3']);
  assert.deepEqual(newest.slice(1).map((r) => r.time), Array(4).fill(T0 + 99n * SEC));

  const rows = db.queryRows('cpu');
  assert.equal(rows.tagsetCount, 5);
  let total = 0;
  for (let blk; (blk = rows.readBlock(64)) !== null;) {
    assert.ok(blk.times.length <= 64);
    assert.ok(blk.fields.u instanceof Float64Array);
    if (blk.tags.host !== 'h9') assert.ok(blk.fields.n instanceof BigInt64Array);
    total += blk.times.length;
  }
  assert.equal(total, 401);
  // Breaking out of a loop closes the query.
  const early = db.queryRows('cpu');
  for (const row of early) { assert.ok(row); break; }
  assert.equal(early.readBlock(), null);
});

test('deletes, flush, compact, reopen, drop and stats', (t) => {
  const { db, dir } = openTemp(t);
  let lp = '';
  for (let i = 0n; i < 50n; i++) lp += `m,k=a v=${i} ${T0 + i}\nm,k=b v=${i} ${T0 + i}\n`;
  db.writeLines(Buffer.from(lp));
  db.delete('m', { tags: { k: 'a' }, field: 'v', start: T0 + 10n, end: T0 + 19n });
  const b = new strata.Batch();
  b.delete('m', { tags: { k: 'b' }, exact: true, fields: ['v'], start: T0, end: T0 + 39n });
  b.addFloat('m', { k: 'b' }, 'v', T0, -1);
  assert.equal(b.deleteCount, 1);
  db.write(b);
  b.close();
  b.close();
  db.flush();
  db.compact();
  assert.ok(db.stats().points_written >= 100);
  db.close();
  db.close();
  assert.throws(() => db.flush(), (e) => e.code === 'STRATA_INVALID' && /closed/.test(e.message));
  const again = strata.open(dir);
  t.after(() => again.close());
  assert.equal([...again.query('m', { tags: { k: 'a' } })].length, 40);
  const kb = [...again.query('m', { tags: { k: 'b' } })];
  assert.equal(kb.length, 11);
  assert.equal(kb[0].value, -1);
  again.dropMeasurement('m');
  assert.equal([...again.query('m')].length, 0);
  assert.ok(again.oldestWritableTime() < -(2n ** 62n));
});

test('errors carry the status code and the library message', (t) => {
  const { db, dir } = openTemp(t);
  assert.throws(() => strata.open(dir, { no_such_option: 1 }),
    (e) => e instanceof strata.StrataError && e.status === strata.Status.INVALID &&
      /no_such_option/.test(e.message));
  assert.throws(() => db.writeLines('m v=1 1\nm v= 2\n'),
    (e) => e.code === 'STRATA_INVALID' && /line 2/.test(e.message));
  db.writeLines('m v=1 1\n');
  assert.throws(() => db.writeLines('m v=1i 2\n'), (e) => e.code === 'STRATA_TYPE_CONFLICT');
  const b = new strata.Batch();
  t.after(() => b.close());
  assert.throws(() => b.addFloat('m', {}, 'v', 1n, NaN), (e) => e.code === 'STRATA_INVALID');
  assert.throws(() => b.addFloat('m\0x', {}, 'v', 1n, 1), /NUL/);
  assert.throws(() => b.addFloat('m', {}, 'v', 2 ** 60, 1), /safe integer/);
  assert.throws(() => b.addInt('m', {}, 'v', 1n, 2n ** 63n), /int64 range/);
  assert.throws(() => b.series('m', {}, 'v', 'string'), /'float', 'int' or 'bool'/);
  assert.throws(() => db.queryRows(''), (e) => e.code === 'STRATA_INVALID');
  assert.throws(() => strata.parseDuration('7x'), (e) => e.code === 'STRATA_INVALID');
  assert.equal(strata.parseDuration('1h'), 3600n * SEC);
  assert.equal(b.count, 0, 'refused points are not added');
  assert.equal([...db.query('m')].length, 1, 'refused writes leave the data as it was');
});

test('version and library path', () => {
  assert.match(strata.version(), /^\d+\.\d+\.\d+$/);
  assert.equal(strata.abiVersion(), 1);
  assert.match(strata.libraryPath(), /libstrata\.so$/);
});
