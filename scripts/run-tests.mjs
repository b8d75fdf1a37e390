// `npm test`: type-check, unit tests (Node), build, browser tests (headless Chromium), then one line of totals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium } from './find-chromium.mjs';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const tmp = mkdtempSync(join(tmpdir(), 'xsp-test-'));
let passed = 0;
let failed = 0;
let skipped = 0;

function run(label, args) {
  console.log(`\n=== ${label}: ${args.join(' ')}`);
  return spawnSync(npx, args, { stdio: 'inherit' }).status === 0;
}

function suite(label, config) {
  const out = join(tmp, `${label}.json`);
  const ok = run(label, ['vitest', 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  try {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    // A suite that failed outside any test (a crash in setup) still counts as a failure.
    if (!ok && r.numFailedTests === 0) failed += 1;
  } catch {
    failed += 1;
    console.error(`${label}: no test report was written`);
  }
}

if (run('typecheck', ['tsc', '--noEmit', '-p', 'tsconfig.json'])) passed += 1;
else failed += 1;
suite('unit', 'vitest.unit.config.ts');

let chromium;
try {
  chromium = findChromium();
  console.log(`\nChromium: ${chromium}`);
} catch (err) {
  console.error(`\n${err.message}`);
  failed += 1;
}
if (chromium) {
  if (run('build', ['vite', 'build', '--logLevel', 'warn'])) suite('browser', 'vitest.browser.config.ts');
  else failed += 1;
}
rmSync(tmp, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
