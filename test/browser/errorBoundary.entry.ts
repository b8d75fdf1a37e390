// Test-only bundle (built by errorBoundary.test.ts, injected into a blank same-origin page): the app's ErrorBoundary
// around a part that throws while rendering, next to a part that does not.
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ErrorBoundary } from '../../src/ui/ErrorBoundary';

/** Throws while rendering as long as the page's `broken` flag is set (the way a bad value would). */
function Fragile({ label }: { label: string }) {
  if ((window as unknown as { broken?: string }).broken) throw new RangeError((window as unknown as { broken: string }).broken);
  return h('p', { 'data-testid': 'fragile' }, `drawn: ${label}`);
}

function Page() {
  const [clicks, setClicks] = useState(0);
  return h(
    'main',
    null,
    h('button', { 'data-testid': 'counter', onClick: () => setClicks((c) => c + 1) }, `clicked ${clicks}`),
    h(ErrorBoundary, { name: 'Heatmaps', children: h(Fragile, { label: `after ${clicks} clicks` }) }),
    h(ErrorBoundary, { name: 'Loss chart', children: h('p', { 'data-testid': 'steady' }, 'the loss chart') }),
  );
}

(window as unknown as { __xspBoundary: { mount(): void } }).__xspBoundary = {
  mount() {
    const root = document.createElement('div');
    document.body.append(root);
    createRoot(root).render(h(Page));
  },
};
