'use strict';
// Status codes of the C ABI (pinned numbers) and the error every failure throws.

const Status = Object.freeze({
  OK: 0, ERROR: 1, INVALID: 2, IO: 3, CORRUPT: 4, LOCKED: 5, NOT_FOUND: 6, TYPE_CONFLICT: 7,
  NOMEM: 8, READONLY: 9, ROW: 100, DONE: 101,
});

const NAMES = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

/** A failure of the library, or an argument refused before the call as the library would:
 * `status` is the STRATA_* number, `code` its name ('STRATA_INVALID'), `message` the library's
 * strata_errmsg() text. */
class StrataError extends Error {
  constructor(status, message) {
    super(message || `strata status ${status}`);
    this.name = 'StrataError';
    this.status = status;
    this.code = `STRATA_${NAMES[status] || status}`;
  }
}

function invalid(message) {
  return new StrataError(Status.INVALID, message);
}

module.exports = { Status, StrataError, invalid };
