// Builds the demo set at install time: the Fluent Emoji (flat) icons of @iconify-json/fluent-emoji-flat (MIT,
// Microsoft) rasterised with resvg to 64×64 PNGs, in a zip in the Hugging Face imagefolder layout that the app's
// own loader reads: images/NAME.png + metadata.csv (file_name, text, label). Captions come from the kebab-case
// names ("red-apple" -> "red apple"), labels from the set's categories.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { strToU8, zipSync } from 'fflate';
import Papa from 'papaparse';

const require = createRequire(import.meta.url);
const OUT = 'public/demo/fluent-emoji-flat.zip';
const SIZE = 64;

const iconsPath = require.resolve('@iconify-json/fluent-emoji-flat/icons.json');
if (existsSync(OUT) && statSync(OUT).mtimeMs > statSync(iconsPath).mtimeMs && !process.argv.includes('--force')) {
  console.log(`demo set: ${OUT} is up to date`);
  process.exit(0);
}

const icons = JSON.parse(readFileSync(iconsPath, 'utf8'));
const metadata = JSON.parse(readFileSync(require.resolve('@iconify-json/fluent-emoji-flat/metadata.json'), 'utf8'));
const category = new Map();
for (const [cat, names] of Object.entries(metadata.categories)) for (const n of names) category.set(n, cat);

await initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));

const t0 = Date.now();
const files = {};
const rows = [];
for (const [name, icon] of Object.entries(icons.icons)) {
  const w = icon.width ?? icons.width;
  const h = icon.height ?? icons.height;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${SIZE}" height="${SIZE}">${icon.body}</svg>`;
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: SIZE }, background: 'rgba(255,255,255,1)' }).render().asPng();
  files[`images/${name}.png`] = [png, { level: 0 }]; // PNGs are compressed already
  rows.push({ file_name: `images/${name}.png`, text: name.replace(/-/g, ' '), label: category.get(name) ?? 'Uncategorised' });
}
files['metadata.csv'] = strToU8(Papa.unparse(rows, { columns: ['file_name', 'text', 'label'] }));
files['LICENSE.txt'] = strToU8(
  'Images: Fluent Emoji (flat) by Microsoft, MIT licence (https://github.com/microsoft/fluentui-emoji),\n' +
    'from the npm package @iconify-json/fluent-emoji-flat, rasterised to 64x64 PNG with resvg.\n',
);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, zipSync(files));
console.log(`demo set: ${rows.length} images -> ${OUT} (${(statSync(OUT).size / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
