'use strict';
// Strata for Node.js: the C ABI of libstrata.so through koffi. See README.md.

const { lib, check, libraryPath } = require('./ffi');
const { Status, StrataError } = require('./errors');
const { Type, name } = require('./values');
const { Database } = require('./database');
const { Batch } = require('./batch');
const { Cursor } = require('./cursor');
const { Rows } = require('./rows');
const { load } = require('./sqlite');

/** Opens (creating when needed) a data directory: see Database.open. */
function open(dir, options) {
  return Database.open(dir, options);
}

/** The library version, "MAJOR.MINOR.PATCH". */
function version() {
  return lib().strata_version();
}

/** The ABI generation of the loaded library. */
function abiVersion() {
  return lib().strata_abi_version();
}

/** Parses a duration ("10s", "1h", "7d", or ns) into BigInt nanoseconds. */
function parseDuration(text) {
  const out = [0n];
  check(lib().strata_parse_duration(name(text, 'duration'), out));
  return BigInt(out[0]);
}

module.exports = {
  open, Database, Batch, Cursor, Rows, StrataError, Status, Type, load, libraryPath, version,
  abiVersion, parseDuration,
};
