// Finds a Chromium for the browser tests and benchmarks: $CHROMIUM_PATH, Debian's /usr/bin/chromium, or one that
// Playwright installed. Where none exists and we are root on Debian, installs the `chromium` package; else stops
// with the exact command to run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function candidates() {
  const list = [];
  for (const v of ['CHROMIUM_PATH', 'CHROME_PATH']) if (process.env[v]) list.push(process.env[v]);
  list.push('/usr/bin/chromium', '/usr/bin/chromium-browser');
  const pw = process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), '.cache', 'ms-playwright');
  if (existsSync(pw))
    for (const d of readdirSync(pw).filter((n) => n.startsWith('chromium')).sort().reverse())
      list.push(join(pw, d, 'chrome-linux', 'chrome'), join(pw, d, 'chrome-linux64', 'chrome'));
  return list;
}

export function findChromium({ install = true } = {}) {
  const found = candidates().find((p) => existsSync(p));
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (install && isRoot && existsSync('/usr/bin/apt-get')) {
    console.error('No Chromium found: installing Debian\'s chromium package (apt-get install -y chromium)…');
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch {
      /* reported below */
    }
    if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  throw new Error(
    'No Chromium found for the browser tests. Install one with `sudo apt-get install -y chromium` (Debian/Ubuntu), ' +
      'or set CHROMIUM_PATH=/path/to/chromium. A downloaded Playwright browser in ~/.cache/ms-playwright also works.',
  );
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(findChromium());
