'use strict';
// Cursor: the points of a query by series (strata_cursor), in (series key, time) order, from a
// snapshot taken when the query started. Iterate it, or read blocks with readBlock(). close()
// (or the end of iteration, or a `break` out of for...of) releases the snapshot; a finalizer
// does so for a Cursor nobody closed.

const { lib, check } = require('./ffi');
const { Status } = require('./errors');
const { Type, TYPE_NAMES } = require('./values');
const { BlockReader } = require('./block_reader');

const DEFAULT_BLOCK = 4096;

/** Text of `len` bytes at `ptr` (UTF-8). */
function textAt(koffi, ptr, len) {
  return len ? koffi.decode.string(ptr, len) : '';
}

class Cursor extends BlockReader {
  constructor(handle) {
    super(handle, lib().strata_cursor_free);
    this._handleap = 0;
  }

  /** The next block of up to `max` points of one series, or null at the end: {series, field,
   * type ('float' | 'int' | 'bool' | 'string'), times (BigInt64Array), values (Float64Array,
   * BigInt64Array, or an array of booleans or strings)}. The arrays are the caller's. */
  readBlock(max = DEFAULT_BLOCK) {
    if (!this._handle) return null;
    const c = lib();
    if (max > this._handleap) {
      this._handleap = max;
      this._times = new BigInt64Array(max);
      this._words = new ArrayBuffer(max * 8);
      this._doubles = new Float64Array(this._words);
    }
    const n = [0];
    const rc = c.strata_cursor_next_block(this._handle, this._times, this._doubles, max, n);
    if (rc !== Status.ROW) {
      try {
        check(rc);
      } finally {
        this.close();
      }
      return null;
    }
    const k = Number(n[0]);
    const type = c.strata_cursor_type(this._handle);
    let values;
    if (type === Type.FLOAT) {
      values = this._doubles.slice(0, k);
    } else if (type === Type.INT) {
      values = new BigInt64Array(this._words, 0, k).slice();
    } else if (type === Type.BOOL) {
      values = Array.from(new BigInt64Array(this._words, 0, k), (w) => w !== 0n);
    } else {
      values = new Array(k);
      const len = [0];
      for (let i = 0; i < k; i++) {
        const p = c.strata_cursor_block_str(this._handle, i, len);
        values[i] = textAt(c.koffi, p, Number(len[0]));
      }
    }
    return {
      series: c.strata_cursor_series(this._handle),
      field: c.strata_cursor_field(this._handle),
      type: TYPE_NAMES[type],
      times: this._times.slice(0, k),
      values,
    };
  }

  /** The iterator's items: {series, field, time (BigInt), value}. */
  item(b, i) {
    return { series: b.series, field: b.field, time: b.times[i], value: b.values[i] };
  }
}

module.exports = { Cursor, textAt };
