// `npm test`: type-check, unit tests (Node), the PyTorch trainer's tests (python/tests: parity with tfjs on the
// fixture the unit tests write, DDP), build, browser tests (headless Chromium), then one line of totals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium } from './find-chromium.mjs';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const tmp = mkdtempSync(join(tmpdir(), 'xsp-test-'));
// test/unit/pythonParity.test.ts writes the PyTorch parity fixture here; python/tests/test_parity.py reads it.
process.env.PARITY_FIXTURE_DIR = join(tmp, 'parity');
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

/** The first of /usr/bin/python3 and python3 on PATH that can import torch and pytest. */
function torchPython() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import torch, pytest'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}

/** python/tests under pytest, counted from its JUnit report; without torch, one skip (one failure on CI). */
function pythonSuite() {
  const py = torchPython();
  if (!py) {
    if (process.env.CI === 'true') {
      console.error('\npython: torch not found; CI needs it: apt-get install -y python3-torch python3-pytest');
      failed += 1;
    } else {
      console.log('\npython: torch not found, parity tests skipped');
      skipped += 1;
    }
    return;
  }
  const xml = join(tmp, 'python.xml');
  console.log(`\n=== python: ${py} -m pytest python/tests -q`);
  const r = spawnSync(py, ['-m', 'pytest', 'python/tests', '-q', '-p', 'no:cacheprovider', `--junitxml=${xml}`], { stdio: 'inherit' });
  try {
    const text = readFileSync(xml, 'utf8');
    const attr = (name) => [...text.matchAll(new RegExp(`<testsuite\\b[^>]*\\b${name}="(\\d+)"`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
    const tests = attr('tests');
    const bad = attr('failures') + attr('errors');
    const skips = attr('skipped');
    passed += tests - bad - skips;
    failed += bad;
    skipped += skips;
    if (r.status !== 0 && bad === 0) failed += 1;
  } catch {
    failed += 1;
    console.error('python: no pytest report was written');
  }
}

if (run('typecheck', ['tsc', '--noEmit', '-p', 'tsconfig.json'])) passed += 1;
else failed += 1;
suite('unit', 'vitest.unit.config.ts');
pythonSuite();

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
