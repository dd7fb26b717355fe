'use strict';
// load(db): Strata's SQLite module (CREATE VIRTUAL TABLE ... USING strata(...)) in a
// better-sqlite3 connection, from the same libstrata.so this package uses.

const { libraryPath } = require('./ffi');

/** Loads the module into the better-sqlite3 Database `db`; returns db. */
function load(db) {
  if (!db || typeof db.loadExtension !== 'function') {
    throw new TypeError('load(db) takes a better-sqlite3 Database');
  }
  db.loadExtension(libraryPath(), 'sqlite3_strata_init');
  return db;
}

module.exports = { load };
