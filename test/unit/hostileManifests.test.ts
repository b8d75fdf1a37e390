import { describe, expect, it } from 'vitest';
import { DEFAULT_CLASS_TEMPLATE, detectSamples } from '../../src/data/formats';

/**
 * Hostile dataset manifests (issue 11): each case is a folder of paths and texts given to the format detector, and
 * what the report must say. None may throw; a bad row is one entry, the others load.
 */
async function detect(files: Record<string, string>) {
  const entries = Object.keys(files).map((path) => ({ path, size: files[path].length }));
  return detectSamples(entries, async (p) => files[p], { classTemplate: DEFAULT_CLASS_TEMPLATE });
}

const img = 'img';
interface Case {
  name: string;
  files: () => Record<string, string>;
  samples: number;
  reason?: RegExp; // some report entry says this
  ms?: number;
}

const manyMissing = () => {
  const rows = ['file_name,text'];
  for (let i = 0; i < 60_000; i++) rows.push(`missing/${i}.jpg,caption ${i}`);
  return { 'a.jpg': img, 'b.jpg': img, 'metadata.csv': `${rows.join('\n')}\na.jpg,an a\nb.jpg,a b\n` };
};

const CASES: Case[] = [
  { name: 'a null line in metadata.jsonl', files: () => ({ 'a.jpg': img, 'b.jpg': img, 'metadata.jsonl': '{"file_name":"a.jpg","text":"an a"}\nnull\n{"file_name":"b.jpg","text":"a b"}\n' }), samples: 2, reason: /metadata\.jsonl:2: line is null, not an object/ },
  { name: 'a number, a string and a list as jsonl lines', files: () => ({ 'a.jpg': img, 'metadata.jsonl': '{"file_name":"a.jpg","text":"an a"}\n42\n"x"\n[1,2]\n' }), samples: 1, reason: /line is a list, not an object/ },
  { name: 'a jsonl row naming __proto__ and constructor columns', files: () => ({ 'a.jpg': img, 'metadata.jsonl': '{"file_name":"a.jpg","text":"an a","__proto__":{"x":1},"constructor":"y"}\n' }), samples: 1 },
  { name: 'a jsonl row whose caption is an object', files: () => ({ 'a.jpg': img, 'b.jpg': img, 'metadata.jsonl': '{"file_name":"a.jpg","text":{"toString":"x"}}\n{"file_name":"b.jpg","text":"ok"}\n' }), samples: 1, reason: /empty caption for a\.jpg/ },
  { name: 'a jsonl row whose file_name is a number', files: () => ({ 'a.jpg': img, 'metadata.jsonl': '{"file_name":7,"text":"x"}\n{"file_name":"a.jpg","text":"ok"}\n' }), samples: 1, reason: /row has no file_name/ },
  { name: '60,000 rows naming missing files (no argument-list overflow, linear time)', files: manyMissing, samples: 2, reason: /image missing\/59999\.jpg does not exist/, ms: 5000 },
  { name: 'an image name matching files in two folders', files: () => ({ 'x/cat.jpg': img, 'y/cat.jpg': img, 'z/dog.jpg': img, 'metadata.csv': 'file_name,text\ncat.jpg,a cat\nz/dog.jpg,a dog\n' }), samples: 1, reason: /image cat\.jpg is ambiguous: 2 files match \(x\/cat\.jpg, y\/cat\.jpg\)/ },
  { name: 'class folders named constructor and __proto__', files: () => ({ 'constructor/a.jpg': img, '__proto__/b.jpg': img, 'toString/c.jpg': img }), samples: 3 },
  { name: 'a split folder test beside a class named hasOwnProperty', files: () => ({ 'train/hasOwnProperty/a.jpg': img, 'train/valueOf/b.jpg': img, 'test/valueOf/c.jpg': img }), samples: 3 },
  { name: 'a COCO file whose images are null, numbers and strings', files: () => ({ 'a.jpg': img, 'captions.json': JSON.stringify({ images: [null, 3, 'x', { id: 1, file_name: 'a.jpg' }], annotations: [null, { image_id: 1, caption: 'an a' }, { image_id: 1, caption: 5 }] }) }), samples: 1, reason: /images\[0\]: not an image record/ },
  { name: 'a COCO file with a __proto__ file_name', files: () => ({ 'a.jpg': img, 'captions.json': '{"images":[{"id":1,"file_name":"__proto__"},{"id":2,"file_name":"a.jpg"}],"annotations":[{"image_id":2,"caption":"x"}]}' }), samples: 1, reason: /image __proto__ does not exist/ },
  { name: 'a JSON file that is null', files: () => ({ 'a.jpg': img, 'a.txt': 'an a', 'x.json': 'null' }), samples: 1 },
  { name: 'a JSON file that does not parse', files: () => ({ 'a.jpg': img, 'a.txt': 'an a', 'x.json': '{"images": [' }), samples: 1, reason: /JSON file does not parse/ },
  { name: 'CSV paths written with Windows separators', files: () => ({ 'cats/a.jpg': img, 'dogs/b.jpg': img, 'metadata.csv': 'file_name,text\ncats\\a.jpg,a cat\n.\\dogs\\b.jpg,a dog\n' }), samples: 2 },
  { name: 'a CSV with an unterminated quote', files: () => ({ 'a.jpg': img, 'b.jpg': img, 'metadata.csv': 'file_name,text\na.jpg,"an a\nb.jpg,a b\n' }), samples: 1, reason: /CSV:/ },
  { name: 'a 2 MB sidecar caption file (over the 1 MB cap)', files: () => ({ 'a.jpg': img, 'a.txt': 'x'.repeat(2 * 1024 * 1024), 'b.jpg': img, 'b.txt': 'a b' }), samples: 1, reason: /a\.txt is 2\.0 MB, over the 1 MB cap/ },
  { name: 'bidirectional control characters in a file name', files: () => ({ 'invoice\u202Egpj.exe': img, 'a.jpg': img, 'a.txt': 'an a' }), samples: 1, reason: /not an image \(\.exe\)/ },
  { name: 'an empty selection', files: () => ({}), samples: 0 },
];

describe('hostile dataset manifests', () => {
  for (const c of CASES)
    it(c.name, async () => {
      const files = c.files();
      const t0 = performance.now();
      const d = await detect(files);
      const ms = performance.now() - t0;
      expect(d.samples.length).toBe(c.samples);
      if (c.reason) expect(d.entries.map((e) => `${e.path}: ${e.reason}`).join('\n')).toMatch(c.reason);
      if (c.ms) expect(ms).toBeLessThan(c.ms);
      for (const s of d.samples) expect(typeof s.captions[0]).toBe('string');
    });

  it('class folders named like Object properties become labels, not prototype lookups', async () => {
    const d = await detect({ 'constructor/a.jpg': img, '__proto__/b.jpg': img });
    expect(d.format).toBe('class-folders');
    expect(d.samples.map((s) => s.label).sort()).toEqual(['__proto__', 'constructor']);
    expect(d.samples.every((s) => s.split === undefined)).toBe(true);
  });
});
