'use strict';
// BlockReader: what Cursor and Rows share: a C handle freed by close() (or by a finalizer when
// nobody closed it), and the iterator protocol over the items of the blocks a subclass reads
// (readBlock() returning a block with `times`, or null at the end; item(block, i)). Leaving a
// for...of early (break, throw) closes the reader.

const { finalizers } = require('./values');

class BlockReader {
  constructor(handle, free) {
    this._handle = handle;
    this._free = free;
    this._token = {};
    finalizers.register(this, { free, handle }, this._token);
    this._pending = null; // the block being iterated
    this._pos = 0;
  }

  next() {
    while (this._pending === null || this._pos >= this._pending.times.length) {
      this._pending = this.readBlock();
      this._pos = 0;
      if (this._pending === null) return { value: undefined, done: true };
    }
    return { value: this.item(this._pending, this._pos++), done: false };
  }

  return() {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.iterator]() {
    return this;
  }

  /** Releases the handle and its snapshot; idempotent. */
  close() {
    if (this._handle) {
      finalizers.unregister(this._token);
      this._free(this._handle);
      this._handle = null;
    }
    this._pending = null;
  }
}

module.exports = { BlockReader };
