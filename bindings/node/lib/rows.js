'use strict';
// Rows: a row query (strata_rows): the fields of one tag set at one time form a row, as in the
// SQL module's tables. Tag sets come in key order (or orderTags'), rows by time (or newest first
// with descending). Iterate it, or read blocks with readBlock(). close() (or the end of
// iteration, or a `break` out of for...of) releases the snapshot; a finalizer does so for Rows
// nobody closed.

const { lib, check, ROWS_OPTIONS_VERSION } = require('./ffi');
const { Status, invalid } = require('./errors');
const { Type, INT64_MIN, INT64_MAX, bound, name } = require('./values');
const { textAt } = require('./cursor');
const { BlockReader } = require('./block_reader');

const DEFAULT_BLOCK = 4096;

class Rows extends BlockReader {
  /** See Database.queryRows. */
  static start(db, measurement, opts) {
    const { tags, fields, start, end, descending = false, limitPerTagSet = 0, orderTags } = opts;
    const filters = Object.entries(tags || {}).map(([key, v]) => {
      const values = (Array.isArray(v) ? v : [v]).map((x) => name(x, 'tag value'));
      return { key: name(key, 'tag key'), values: values.length ? values : null,
        nvalues: values.length };
    });
    const names = fields === undefined || fields === null ? []
      : (typeof fields === 'string' ? [fields] : fields).map((f) => name(f, 'field'));
    const order = (orderTags || []).map((k) => name(k, 'tag key'));
    if (!Number.isSafeInteger(limitPerTagSet) || limitPerTagSet < 0) {
      throw invalid(`limitPerTagSet ${limitPerTagSet} is not a row count`);
    }
    const options = {
      version: ROWS_OPTIONS_VERSION, descending: descending ? 1 : 0, presence_only: null,
      limit_per_tagset: limitPerTagSet, order_tags: order.length ? order : null,
      norder_tags: order.length,
    };
    const out = [null];
    check(lib().strata_query_rows_ex(db, measurement, filters.length ? filters : null,
      filters.length, names.length ? names : null, names.length,
      bound(start, INT64_MIN, 'start'), bound(end, INT64_MAX, 'end'), options, out));
    return new Rows(out[0], names);
  }

  constructor(handle, fields) {
    super(handle, lib().strata_rows_free);
    this._asked = fields;
    this._tagsetId = null;
  }

  /** The number of tag sets the query matched (some may have no row in the range). */
  get tagsetCount() {
    return this._handle ? Number(lib().strata_rows_tagset_count(this._handle)) : 0;
  }

  /** The next block: up to `max` consecutive rows of one tag set in which each field has a
   * value in every row or in none, or null at the end: {tagset (key), tagsetId (BigInt),
   * tags ({key: value}, shared by the tag set's blocks), times (BigInt64Array), fields ({name:
   * Float64Array | BigInt64Array | booleans | strings, or null where the block has no value})}.
   */
  readBlock(max = DEFAULT_BLOCK) {
    if (!this._handle) return null;
    const c = lib();
    const r = this._handle;
    const n = [0];
    const rc = c.strata_rows_next_block(r, max, n);
    if (rc !== Status.ROW) {
      try {
        check(rc);
      } finally {
        this.close();
      }
      return null;
    }
    const k = Number(n[0]);
    const id = BigInt(c.strata_rows_tagset_id(r));
    if (id !== this._tagsetId) this._newTagset(c, r, id);
    const fields = {};
    this._fields.forEach((f, i) => {
      fields[f] = this._column(c, r, i, k);
    });
    return {
      tagset: this._tagset, tagsetId: id, tags: this._tags,
      times: new BigInt64Array(c.koffi.view(c.strata_rows_block_times(r), k * 8)).slice(),
      fields,
    };
  }

  _newTagset(c, r, id) {
    this._tagsetId = id;
    this._tagset = c.strata_rows_tagset(r);
    const tags = {};
    const nt = Number(c.strata_rows_tag_count(r));
    for (let i = 0; i < nt; i++) tags[c.strata_rows_tag_key(r, i)] = c.strata_rows_tag_value(r, i);
    this._tags = Object.freeze(tags);
    if (this._asked.length) {
      this._fields = this._asked;
    } else {
      this._fields = [];
      const nf = Number(c.strata_rows_field_count(r));
      for (let i = 0; i < nf; i++) this._fields.push(c.strata_rows_field_name(r, i));
    }
  }

  _column(c, r, i, k) {
    const type = c.strata_rows_type(r, i);
    if (type === 0) return null;
    if (type === Type.STRING) {
      const out = new Array(k);
      const len = [0];
      for (let j = 0; j < k; j++) {
        out[j] = textAt(c.koffi, c.strata_rows_block_str(r, i, j, len), Number(len[0]));
      }
      return out;
    }
    const words = c.koffi.view(c.strata_rows_block_nums(r, i), k * 8);
    if (type === Type.FLOAT) return new Float64Array(words).slice();
    if (type === Type.INT) return new BigInt64Array(words).slice();
    return Array.from(new BigInt64Array(words), (w) => w !== 0n);
  }

  /** The iterator's items: rows {time (BigInt), tagset, tags, fields: {name: value}} (a
   * field without a value in the row is left out). */
  item(b, i) {
    const fields = {};
    for (const f in b.fields) {
      if (b.fields[f] !== null) fields[f] = b.fields[f][i];
    }
    return { time: b.times[i], tagset: b.tagset, tags: b.tags, fields };
  }
}

module.exports = { Rows };
