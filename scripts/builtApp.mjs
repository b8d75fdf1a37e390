// The built app served by `vite preview` on a free loopback port, and headless Chromium to open it: what
// `npm run bench` and `npm run experiment` drive. Builds first unless told not to and a build exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { CHROMIUM_FLAGS, findChromium } from './find-chromium.mjs';

/** { browser, appUrl(hash), close() }; exits the process if the build fails. */
export async function startBuiltApp({ build = true } = {}) {
  if (build || !existsSync('dist/index.html')) {
    const b = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
    if (b.status !== 0) process.exit(1);
  }
  const server = await preview({ preview: { host: '127.0.0.1', port: 0 }, logLevel: 'warn' });
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_FLAGS });
  const base = `http://127.0.0.1:${server.httpServer.address().port}/`;
  return {
    browser,
    appUrl: (hash = '') => `${base}${hash}`,
    close: async () => {
      await browser.close();
      server.httpServer.close();
    },
  };
}
