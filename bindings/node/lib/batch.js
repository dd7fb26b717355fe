'use strict';
// Batch: points and deletes to write atomically (strata_batch), per point or as arrays (the
// columnar path). close() frees it; a finalizer frees a Batch that was never closed.

const { lib, check } = require('./ffi');
const { invalid } = require('./errors');
const { Type, INT64_MIN, INT64_MAX, toNs, bound, toInt64, name, tagArray, finalizers } =
  require('./values');

const TYPE_BY_NAME = { float: Type.FLOAT, int: Type.INT, bool: Type.BOOL };

/** A BigInt64Array of ns times: as given, or converted from an array of BigInts, safe-integer
 * Numbers or Dates. */
function timeArray(times) {
  if (times instanceof BigInt64Array) return times;
  if (!Array.isArray(times)) throw invalid('times must be a BigInt64Array or an array');
  return BigInt64Array.from(times, (t, i) => toNs(t, `times[${i}]`));
}

function sameLength(times, values) {
  if (times.length !== values.length) {
    throw invalid(`${times.length} times but ${values.length} values`);
  }
}

class Batch {
  constructor() {
    const c = lib();
    const out = [null];
    check(c.strata_batch_new(out));
    this._b = out[0];
    this._token = {};
    finalizers.register(this, { free: c.strata_batch_free, handle: this._b }, this._token);
  }

  _handle() {
    if (!this._b) throw invalid('the batch is closed');
    return this._b;
  }

  /** Frees the batch; idempotent. */
  close() {
    if (this._b) {
      finalizers.unregister(this._token);
      lib().strata_batch_free(this._b);
      this._b = null;
    }
  }

  /** The number of points in the batch. */
  get count() {
    return this._b ? Number(lib().strata_batch_count(this._b)) : 0;
  }

  /** The number of deletes in the batch. */
  get deleteCount() {
    return this._b ? Number(lib().strata_batch_delete_count(this._b)) : 0;
  }

  /** Empties the batch; its series references become invalid. */
  clear() {
    lib().strata_batch_clear(this._handle());
  }

  /** Empties the batch of points and deletes, keeping its series references valid. */
  clearPoints() {
    lib().strata_batch_clear_points(this._handle());
  }

  _point(fn, measurement, tags, field, time, value) {
    const [arr, n] = tagArray(tags);
    check(fn(this._handle(), name(measurement, 'measurement'), arr, n, name(field, 'field'),
      toNs(time, 'time'), value));
  }

  /** Adds one float point (NaN and ±Infinity are refused). */
  addFloat(measurement, tags, field, time, value) {
    if (typeof value !== 'number') throw invalid(`field ${field}: ${value} is not a number`);
    this._point(lib().strata_batch_add_f64, measurement, tags, field, time, value);
  }

  /** Adds one integer point: a BigInt or a safe-integer Number. */
  addInt(measurement, tags, field, time, value) {
    this._point(lib().strata_batch_add_i64, measurement, tags, field, time,
      toInt64(value, `field ${field}`));
  }

  /** Adds one boolean point. */
  addBool(measurement, tags, field, time, value) {
    if (typeof value !== 'boolean') throw invalid(`field ${field}: ${value} is not a boolean`);
    this._point(lib().strata_batch_add_bool, measurement, tags, field, time, value ? 1 : 0);
  }

  /** Adds one string point (a string, stored as UTF-8, or a Buffer of any bytes). */
  addString(measurement, tags, field, time, value) {
    const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (!(buf instanceof Uint8Array)) throw invalid(`field ${field}: not a string or Buffer`);
    const [arr, n] = tagArray(tags);
    check(lib().strata_batch_add_str(this._handle(), name(measurement, 'measurement'), arr, n,
      name(field, 'field'), toNs(time, 'time'), buf.length ? buf : null, buf.length));
  }

  /** Resolves a series of this batch once for the append calls: type 'float', 'int' or
   * 'bool'. Returns its reference (a number); resolving it again gives the same one. */
  series(measurement, tags, field, type) {
    const t = TYPE_BY_NAME[type];
    if (t === undefined) throw invalid(`series type ${type}: use 'float', 'int' or 'bool'`);
    const [arr, n] = tagArray(tags);
    const out = [0];
    check(lib().strata_batch_series(this._handle(), name(measurement, 'measurement'), arr, n,
      name(field, 'field'), t, out));
    return out[0];
  }

  /** Appends times[i] with values[i] to a float series: a BigInt64Array and a Float64Array
   * (passed to C without a copy), or plain arrays. All or nothing. */
  appendFloats(series, times, values) {
    const t = timeArray(times);
    const v = values instanceof Float64Array ? values : Float64Array.from(values);
    sameLength(t, v);
    check(lib().strata_batch_append_f64(this._handle(), series, t, v, t.length));
  }

  /** Appends to an int series: values a BigInt64Array or an array of BigInts or safe integers. */
  appendInts(series, times, values) {
    const t = timeArray(times);
    const v = values instanceof BigInt64Array ? values
      : BigInt64Array.from(values, (x, i) => toInt64(x, `values[${i}]`));
    sameLength(t, v);
    check(lib().strata_batch_append_i64(this._handle(), series, t, v, t.length));
  }

  /** Appends to a bool series: values an Int32Array (0 false) or an array of booleans. */
  appendBools(series, times, values) {
    const t = timeArray(times);
    const v = values instanceof Int32Array ? values : Int32Array.from(values, (x) => (x ? 1 : 0));
    sameLength(t, v);
    check(lib().strata_batch_append_bool(this._handle(), series, t, v, t.length));
  }

  /** Adds a delete of points of `measurement`: {tags, exact (no other tag), fields, start,
   * end}. A batch's deletes take effect before its points. */
  delete(measurement, { tags, exact = false, fields, start, end } = {}) {
    const [arr, n] = tagArray(tags);
    const names = (fields || []).map((f) => name(f, 'field'));
    check(lib().strata_batch_delete(this._handle(), name(measurement, 'measurement'), arr, n,
      exact ? 1 : 0, names.length ? names : null, names.length,
      bound(start, INT64_MIN, 'start'), bound(end, INT64_MAX, 'end')));
  }
}

module.exports = { Batch };
