'use strict';
// The example of README.md runs and prints what its comments say ("a | b": two lines).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

test('the README example prints what its comments say', () => {
  const dir = path.join(__dirname, '..');
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme)[1];
  const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)]
    .flatMap((m) => m[1].split(' | '));
  assert.ok(expected.length >= 3);
  const out = execFileSync(process.execPath, ['-e', code], { cwd: dir, encoding: 'utf8' });
  assert.deepEqual(out.trim().split('\n'), expected);
});
