import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../vite.config';

// public/_headers (static hosts) repeats what vite.config.ts sends: the two must not drift apart.
describe('security headers for static hosts', () => {
  const headers = readFileSync('public/_headers', 'utf8');
  it('public/_headers carries the same CSP, nosniff, frame-ancestors and COOP/COEP as the servers', () => {
    expect(headers).toContain(`Content-Security-Policy: ${CONTENT_SECURITY_POLICY}\n`);
    expect(headers).toContain('X-Content-Type-Options: nosniff');
    expect(headers).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(headers).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });
  it('the meta CSP is the header CSP without frame-ancestors (which a meta tag cannot carry), with no remote origin', () => {
    expect(`${META_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*|'unsafe-eval'/);
  });
});
