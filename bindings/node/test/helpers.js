'use strict';
// A fresh data directory per test, removed afterwards.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const strata = require('..');

const T0 = 1451606400000000000n; // 2016-01-01T00:00:00Z
const SEC = 1000000000n;

function tempDir(t) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-node-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

function openTemp(t, options = { sync: 'off' }) {
  const dir = path.join(tempDir(t), 'db');
  const db = strata.open(dir, options);
  t.after(() => db.close());
  return { db, dir };
}

module.exports = { T0, SEC, tempDir, openTemp };
