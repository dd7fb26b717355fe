'use strict';
// Every C function the package declares (lib/ffi.js DECLARATIONS) is exported by the ABI
// (abi/strata.symbols) with as many parameters as its prototype in abi/include/strata.h, and
// the package calls no strata_* function it does not declare: an ABI change fails here, not in
// a user's program.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { DECLARATIONS, declaredName } = require('../lib/ffi');

const root = path.resolve(__dirname, '..', '..', '..');

function params(list) {
  const p = list.trim();
  return p === '' || p === 'void' ? 0 : p.split(',').length;
}

test('every declaration is an exported function with the header\'s arity', () => {
  const symbols = new Set(fs.readFileSync(path.join(root, 'abi', 'strata.symbols'), 'utf8')
    .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  const header = fs.readFileSync(path.join(root, 'abi', 'include', 'strata.h'), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, ' ');
  const arity = {};
  for (const m of header.matchAll(/STRATA_API[^;(]*?\b(strata_\w+)\s*\(([^)]*)\)\s*;/g)) {
    arity[m[1]] = params(m[2]);
  }
  assert.ok(Object.keys(arity).length > 60, 'the header parser found the prototypes');
  for (const proto of DECLARATIONS) {
    const fn = declaredName(proto);
    assert.ok(symbols.has(fn), `${fn} is not in abi/strata.symbols`);
    const inner = /\(([^)]*)\)\s*$/.exec(proto)[1];
    assert.equal(params(inner), arity[fn], `${fn}: parameter count differs from strata.h`);
  }
});

test('the package calls only declared functions', () => {
  const declared = new Set(DECLARATIONS.map(declaredName));
  const used = new Set();
  const dir = path.join(__dirname, '..', 'lib');
  for (const file of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(/\.(strata_\w+)\b/g)) used.add(m[1]);
  }
  assert.ok(used.size > 40);
  assert.deepEqual([...used].filter((f) => !declared.has(f)), []);
});
