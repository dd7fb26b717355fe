'use strict';
// Cursor: the points of a query by series (strata_cursor), in (series key, time) order, from a
// snapshot taken when the query started. Iterate it, or read blocks with readBlock(). close()
// (or the end of iteration, or a `break` out of for...of) releases the snapshot; a finalizer
// does so for a Cursor nobody closed.

const { lib, check } = require('./ffi');
const { Status } = require('./errors');
const { Type, TYPE_NAMES, finalizers } = require('./values');

const DEFAULT_BLOCK = 4096;

/** Text of `len` bytes at `ptr` (UTF-8). */
function textAt(koffi, ptr, len) {
  return len ? koffi.decode.string(ptr, len) : '';
}

class Cursor {
  constructor(handle) {
    this._c = handle;
    this._token = {};
    finalizers.register(this, { free: lib().strata_cursor_free, handle }, this._token);
    this._cap = 0;
    this._pending = null; // the block being iterated
    this._pos = 0;
  }

  /** The next block of up to `max` points of one series, or null at the end: {series, field,
   * type ('float' | 'int' | 'bool' | 'string'), times (BigInt64Array), values (Float64Array,
   * BigInt64Array, or an array of booleans or strings)}. The arrays are the caller's. */
  readBlock(max = DEFAULT_BLOCK) {
    if (!this._c) return null;
    const c = lib();
    if (max > this._cap) {
      this._cap = max;
      this._times = new BigInt64Array(max);
      this._words = new ArrayBuffer(max * 8);
      this._doubles = new Float64Array(this._words);
    }
    const n = [0];
    const rc = c.strata_cursor_next_block(this._c, this._times, this._doubles, max, n);
    if (rc !== Status.ROW) {
      try {
        check(rc);
      } finally {
        this.close();
      }
      return null;
    }
    const k = Number(n[0]);
    const type = c.strata_cursor_type(this._c);
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
        const p = c.strata_cursor_block_str(this._c, i, len);
        values[i] = textAt(c.koffi, p, Number(len[0]));
      }
    }
    return {
      series: c.strata_cursor_series(this._c),
      field: c.strata_cursor_field(this._c),
      type: TYPE_NAMES[type],
      times: this._times.slice(0, k),
      values,
    };
  }

  /** Iterator protocol: {value: {series, field, time (BigInt), value}, done}. */
  next() {
    while (this._pending === null || this._pos >= this._pending.times.length) {
      this._pending = this.readBlock();
      this._pos = 0;
      if (this._pending === null) return { value: undefined, done: true };
    }
    const b = this._pending;
    const i = this._pos++;
    return {
      value: { series: b.series, field: b.field, time: b.times[i], value: b.values[i] },
      done: false,
    };
  }

  return() {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.iterator]() {
    return this;
  }

  /** Releases the cursor and its snapshot; idempotent. */
  close() {
    if (this._c) {
      finalizers.unregister(this._token);
      lib().strata_cursor_free(this._c);
      this._c = null;
    }
    this._pending = null;
  }
}

module.exports = { Cursor, textAt };
