'use strict';
// The C functions of abi/include/strata.h this package calls, declared once (DECLARATIONS: koffi
// prototypes, `_Out_` marking out-parameters), the library lookup, and the status check.
// test/abi_declarations.test.js checks each declaration against abi/strata.symbols and the
// header, and that the package calls nothing undeclared. The library is loaded on first use:
// the STRATA_LIBRARY environment variable (a file path), else build/libstrata.so of the source
// tree this package sits in.

const path = require('node:path');
const { StrataError, Status } = require('./errors');


const DECLARATIONS = [
  'int strata_abi_version(void)',
  'const char *strata_version(void)',
  'const char *strata_errmsg(void)',
  'void strata_free(void *p)',
  'int strata_open(const char *dir, const char *options, _Out_ strata_db **out)',
  'int strata_close(strata_db *db)',
  'int strata_write_lines(strata_db *db, const uint8_t *lines, size_t len)',
  'int strata_write(strata_db *db, strata_batch *b)',
  'int strata_write_and_clear(strata_db *db, strata_batch *b)',
  'int strata_delete(strata_db *db, const char *measurement, const strata_tag *tag_eq, ' +
    'size_t ntags, const char *field, int64_t t_min, int64_t t_max)',
  'int strata_flush(strata_db *db)',
  'int strata_compact(strata_db *db)',
  'int strata_stats_json(strata_db *db, _Out_ void **out)',
  'int strata_batch_new(_Out_ strata_batch **out)',
  'void strata_batch_free(strata_batch *b)',
  'void strata_batch_clear(strata_batch *b)',
  'void strata_batch_clear_points(strata_batch *b)',
  'size_t strata_batch_count(strata_batch *b)',
  'int strata_batch_add_f64(strata_batch *b, const char *measurement, const strata_tag *tags, ' +
    'size_t ntags, const char *field, int64_t time_ns, double value)',
  'int strata_batch_add_i64(strata_batch *b, const char *measurement, const strata_tag *tags, ' +
    'size_t ntags, const char *field, int64_t time_ns, int64_t value)',
  'int strata_batch_add_bool(strata_batch *b, const char *measurement, const strata_tag *tags, ' +
    'size_t ntags, const char *field, int64_t time_ns, int value)',
  'int strata_batch_add_str(strata_batch *b, const char *measurement, const strata_tag *tags, ' +
    'size_t ntags, const char *field, int64_t time_ns, const uint8_t *value, size_t len)',
  'int strata_batch_series(strata_batch *b, const char *measurement, const strata_tag *tags, ' +
    'size_t ntags, const char *field, int type, _Out_ uint32_t *out)',
  'int strata_batch_append_f64(strata_batch *b, uint32_t series, const int64_t *times, ' +
    'const double *values, size_t n)',
  'int strata_batch_append_i64(strata_batch *b, uint32_t series, const int64_t *times, ' +
    'const int64_t *values, size_t n)',
  'int strata_batch_append_bool(strata_batch *b, uint32_t series, const int64_t *times, ' +
    'const int *values, size_t n)',
  'int strata_batch_delete(strata_batch *b, const char *measurement, const strata_tag *tags, ' +
    'size_t ntags, int exact, const char **fields, size_t nfields, int64_t t_min, int64_t t_max)',
  'size_t strata_batch_delete_count(strata_batch *b)',
  'int strata_query(strata_db *db, const char *measurement, const strata_tag *tag_eq, ' +
    'size_t ntags, const char *field, int64_t t_min, int64_t t_max, _Out_ strata_cursor **out)',
  'int strata_cursor_next_block(strata_cursor *c, int64_t *times, void *values, size_t cap, ' +
    '_Out_ size_t *n)',
  'void *strata_cursor_block_str(strata_cursor *c, size_t i, _Out_ size_t *len)',
  'const char *strata_cursor_series(strata_cursor *c)',
  'const char *strata_cursor_field(strata_cursor *c)',
  'int strata_cursor_type(strata_cursor *c)',
  'void strata_cursor_free(strata_cursor *c)',
  'int strata_query_rows_ex(strata_db *db, const char *measurement, ' +
    'const strata_tag_filter *filters, size_t nfilters, const char **fields, size_t nfields, ' +
    'int64_t t_min, int64_t t_max, const strata_rows_options *options, _Out_ strata_rows **out)',
  'int strata_rows_next_block(strata_rows *r, size_t max, _Out_ size_t *n)',
  'size_t strata_rows_tagset_count(strata_rows *r)',
  'const char *strata_rows_tagset(strata_rows *r)',
  'uint64_t strata_rows_tagset_id(strata_rows *r)',
  'size_t strata_rows_tag_count(strata_rows *r)',
  'const char *strata_rows_tag_key(strata_rows *r, size_t i)',
  'const char *strata_rows_tag_value(strata_rows *r, size_t i)',
  'size_t strata_rows_field_count(strata_rows *r)',
  'const char *strata_rows_field_name(strata_rows *r, size_t i)',
  'int strata_rows_type(strata_rows *r, size_t i)',
  'void *strata_rows_block_times(strata_rows *r)',
  'void *strata_rows_block_nums(strata_rows *r, size_t i)',
  'void *strata_rows_block_str(strata_rows *r, size_t i, size_t k, _Out_ size_t *len)',
  'void strata_rows_free(strata_rows *r)',
  'int strata_drop_measurement(strata_db *db, const char *measurement)',
  'int strata_field_type(strata_db *db, const char *measurement, const char *field, ' +
    '_Out_ int *type)',
  'int strata_oldest_writable_time(strata_db *db, _Out_ int64_t *out)',
  'int strata_parse_duration(const char *text, _Out_ int64_t *out)',
];

const ROWS_OPTIONS_VERSION = 3; // STRATA_ROWS_OPTIONS_VERSION: the layout declared below

/** The path of the libstrata.so this package loads (it need not be loaded yet). */
function libraryPath() {
  if (process.env.STRATA_LIBRARY) return process.env.STRATA_LIBRARY;
  return path.resolve(__dirname, '..', '..', '..', 'build', 'libstrata.so');
}

let c = null;
let koffi = null;

/** The loaded library: an object with one function per declaration, and `koffi`. */
function lib() {
  if (c !== null) return c;
  koffi = require('koffi');
  let handle;
  try {
    handle = koffi.load(libraryPath());
  } catch (e) {
    throw new StrataError(Status.ERROR, `cannot load the Strata library ${libraryPath()} ` +
      `(set STRATA_LIBRARY to its path): ${e.message}`);
  }
  for (const name of ['strata_db', 'strata_batch', 'strata_cursor', 'strata_rows']) {
    koffi.opaque(name);
  }
  koffi.struct('strata_tag', { key: 'const char *', value: 'const char *' });
  koffi.struct('strata_tag_filter', {
    key: 'const char *', values: 'const char **', nvalues: 'size_t',
  });
  koffi.struct('strata_rows_options', {
    version: 'unsigned int', descending: 'int', presence_only: 'const uint8_t *',
    limit_per_tagset: 'size_t', order_tags: 'const char **', norder_tags: 'size_t',
  });
  const fns = { koffi };
  for (const proto of DECLARATIONS) {
    fns[declaredName(proto)] = handle.func(proto);
  }
  c = fns;
  return c;
}

/** The function name of a declaration. */
function declaredName(proto) {
  return /\b(strata_\w+)\s*\(/.exec(proto)[1];
}

/** Throws the StrataError of a failed status, with strata_errmsg() read right after the call
 * (koffi's synchronous calls run on this thread, where the message is kept). */
function check(rc) {
  if (rc === Status.OK || rc === Status.ROW || rc === Status.DONE) return rc;
  throw new StrataError(rc, c.strata_errmsg() || '');
}

module.exports = { lib, check, libraryPath, declaredName, DECLARATIONS,
  ROWS_OPTIONS_VERSION };
