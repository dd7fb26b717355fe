'use strict';
// Conversions of arguments for the C calls: times (BigInt nanoseconds; safe-integer Numbers and
// Dates accepted, never rounded), names (no NUL byte), tag maps, and the finalizer that frees a
// handle nobody closed.

const { invalid } = require('./errors');

/** Value types (STRATA_FLOAT ...; pinned numbers) and their names. */
const Type = Object.freeze({ FLOAT: 1, INT: 2, BOOL: 3, STRING: 4 });
const TYPE_NAMES = Object.freeze({ 1: 'float', 2: 'int', 3: 'bool', 4: 'string' });

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `value` as a BigInt of ns: a BigInt, a safe-integer Number, or a Date (ms precision). */
function toNs(value, what) {
  let ns;
  if (typeof value === 'bigint') {
    ns = value;
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw invalid(`${what} ${value} is not a safe integer: give nanoseconds as a BigInt`);
    }
    ns = BigInt(value);
  } else if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(`${what} is an invalid Date`);
    ns = BigInt(value.getTime()) * 1000000n;
  } else {
    throw invalid(`${what} must be a BigInt of nanoseconds (or a Date), not ${typeof value}`);
  }
  if (ns < INT64_MIN || ns > INT64_MAX) throw invalid(`${what} ${ns} is outside the int64 range`);
  return ns;
}

function bound(value, dflt, what) {
  return value === undefined || value === null ? dflt : toNs(value, what);
}

/** An int64 field value: a BigInt or a safe-integer Number. */
function toInt64(value, what) {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw invalid(`${what} ${value} is not a safe integer: give it as a BigInt`);
  }
  if (typeof value !== 'bigint' && typeof value !== 'number') {
    throw invalid(`${what} must be a BigInt or an integer Number, not ${typeof value}`);
  }
  const v = BigInt(value);
  if (v < INT64_MIN || v > INT64_MAX) throw invalid(`${what} ${v} is outside the int64 range`);
  return v;
}

/** A name for C: a string without NUL bytes. */
function name(value, what) {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, not ${typeof value}`);
  if (value.includes('\0')) throw invalid(`${what} ${JSON.stringify(value)} contains a NUL byte`);
  return value;
}

/** [strata_tag array or null, count] of a {key: value} object (or a Map). */
function tagArray(tags) {
  if (tags === undefined || tags === null) return [null, 0];
  const entries = tags instanceof Map ? [...tags] : Object.entries(tags);
  if (entries.length === 0) return [null, 0];
  return [entries.map(([k, v]) => ({ key: name(k, 'tag key'), value: name(v, 'tag value') })),
    entries.length];
}

/** Frees C handles of objects that were garbage-collected without close(). */
const finalizers = new FinalizationRegistry(({ free, handle }) => free(handle));

module.exports = { Type, TYPE_NAMES, INT64_MIN, INT64_MAX, toNs, bound, toInt64, name, tagArray, finalizers };
