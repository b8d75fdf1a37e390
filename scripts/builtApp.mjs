// The built app served by `vite preview` on a free loopback port, and headless Chromium to open it: what
// `npm run bench` and `npm run experiment` drive. Builds first unless told not to and a build exists.
// NO_ISOLATION=1 serves dist/ without vite.config.ts, so without the COOP/COEP headers: WASM on one thread, as on a
// static host that lacks them (to compare with the threaded build on the same machine).
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
  const isolated = !process.env.NO_ISOLATION;
  const server = await preview({ ...(isolated ? {} : { configFile: false }), preview: { host: '127.0.0.1', port: 0 }, logLevel: 'warn' });
  if (!isolated) console.error('NO_ISOLATION: serving dist/ without the COOP/COEP headers (WASM on 1 thread)');
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
