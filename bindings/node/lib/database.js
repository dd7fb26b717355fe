'use strict';
// Database: an open data directory (strata_db). One Node.js thread uses it; handles from it
// (Cursor, Rows) may outlive close().

const { lib, check } = require('./ffi');
const { Status, invalid } = require('./errors');
const { INT64_MIN, INT64_MAX, TYPE_NAMES, bound, name, tagArray } = require('./values');
const { Cursor } = require('./cursor');
const { Rows } = require('./rows');

/** "k=v;k=v" of an options object ({sync: 'off', memstore_bytes: '64MiB'}) or string. */
function optionText(options) {
  if (options === undefined || options === null) return null;
  if (typeof options === 'string') return name(options, 'options') || null;
  const parts = [];
  for (const [k, v] of Object.entries(options)) {
    const text = String(v);
    if (typeof v === 'boolean' || v === null || v === undefined || /[;=\0]/.test(text)) {
      throw invalid(`option ${k}: ${JSON.stringify(v)} is not a valid value`);
    }
    parts.push(`${name(k, 'option')}=${text}`);
  }
  return parts.join(';') || null;
}

class Database {
  /** Opens (creating when missing or empty) the data directory `dir`. options: an object or
   * "k=v;k=v" text, as strata_open takes it (sync, sync_interval_ms, memstore_bytes,
   * wal_segment_bytes, shard_duration, retention, compaction_threads, block_cache_bytes). */
  static open(dir, options) {
    const c = lib();
    const out = [null];
    check(c.strata_open(name(dir, 'directory'), optionText(options), out));
    return new Database(out[0], dir);
  }

  constructor(handle, dir) {
    this._db = handle;
    this.path = dir;
  }

  /** Closes the handle; idempotent. Open cursors stay usable. */
  close() {
    if (this._db) {
      lib().strata_close(this._db);
      this._db = null;
    }
  }

  get closed() {
    return !this._db;
  }

  _handle() {
    if (!this._db) throw invalid(`the database ${this.path} is closed`);
    return this._db;
  }

  /** Writes InfluxDB line protocol (string or Buffer) as one atomic batch. */
  writeLines(text) {
    const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (!(buf instanceof Uint8Array)) throw invalid('writeLines takes a string or a Buffer');
    check(lib().strata_write_lines(this._handle(), buf, buf.length));
  }

  /** Writes every point and delete of `batch` atomically; the batch is left as it is. */
  write(batch) {
    check(lib().strata_write(this._handle(), batch._handle()));
  }

  /** Writes `batch` atomically, then empties it of points (its series stay resolved). */
  writeAndClear(batch) {
    check(lib().strata_write_and_clear(this._handle(), batch._handle()));
  }

  /** Deletes points of `measurement`: {tags, field, start, end} narrow it (inclusive). */
  delete(measurement, { tags, field, start, end } = {}) {
    const [arr, n] = tagArray(tags);
    check(lib().strata_delete(this._handle(), name(measurement, 'measurement'), arr, n,
      field === undefined || field === null ? null : name(field, 'field'),
      bound(start, INT64_MIN, 'start'), bound(end, INT64_MAX, 'end')));
  }

  /** Removes every point of `measurement`, durably. */
  dropMeasurement(measurement) {
    check(lib().strata_drop_measurement(this._handle(), name(measurement, 'measurement')));
  }

  /** Writes every MemStore to segment files and waits for it. */
  flush() {
    check(lib().strata_flush(this._handle()));
  }

  /** Flushes, then merges each shard's segments into one. */
  compact() {
    check(lib().strata_compact(this._handle()));
  }

  /** The engine's statistics (strata_stats_json) as an object. */
  stats() {
    const c = lib();
    const out = [null];
    check(c.strata_stats_json(this._handle(), out));
    try {
      return JSON.parse(c.koffi.decode.string(out[0]));
    } finally {
      c.strata_free(out[0]);
    }
  }

  /** The type recorded for (measurement, field): 'float', 'int', 'bool' or 'string'; null
   * when nothing of that field was ever written. */
  fieldType(measurement, field) {
    const c = lib();
    const out = [0];
    const rc = c.strata_field_type(this._handle(), name(measurement, 'measurement'),
      name(field, 'field'), out);
    if (rc === Status.NOT_FOUND) return null;
    check(rc);
    return TYPE_NAMES[out[0]];
  }

  /** The oldest time (BigInt ns) a write takes now. */
  oldestWritableTime() {
    const out = [0n];
    check(lib().strata_oldest_writable_time(this._handle(), out));
    return BigInt(out[0]);
  }

  /** Points of `measurement` by series: {tags (equality), field, start, end}. Returns a Cursor:
   * iterate it (for...of) or read blocks with readBlock(). */
  query(measurement, { tags, field, start, end } = {}) {
    const [arr, n] = tagArray(tags);
    const out = [null];
    check(lib().strata_query(this._handle(), name(measurement, 'measurement'), arr, n,
      field === undefined || field === null ? null : name(field, 'field'),
      bound(start, INT64_MIN, 'start'), bound(end, INT64_MAX, 'end'), out));
    return new Cursor(out[0]);
  }

  /** Rows of `measurement` (the fields of one tag set at one time): {tags: {key: value or
   * [values]}, fields: [names] (default every field), start, end, descending, limitPerTagSet,
   * orderTags: [keys]}. Returns Rows: iterate it (for...of) or read blocks with readBlock(). */
  queryRows(measurement, opts = {}) {
    return Rows.start(this._handle(), name(measurement, 'measurement'), opts);
  }
}

module.exports = { Database };
