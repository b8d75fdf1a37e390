import { describe, expect, it } from 'vitest';
import { DEFAULT_CLASS_TEMPLATE, detectSamples, type DetectOptions } from '../../src/data/formats';

/** An in-memory folder: path -> text (images get placeholder bytes; only their paths matter here). */
async function detect(files: Record<string, string>, opts: Partial<DetectOptions> = {}) {
  const entries = Object.keys(files).map((path) => ({ path, size: files[path].length }));
  return detectSamples(entries, async (p) => files[p], { classTemplate: DEFAULT_CLASS_TEMPLATE, ...opts });
}
const reasonFor = (d: Awaited<ReturnType<typeof detect>>, path: string) => d.entries.filter((e) => e.path === path).map((e) => e.reason);

describe('sidecar captions', () => {
  it('pairs x.jpg with x.txt or x.caption and reports what it cannot use', async () => {
    const d = await detect({
      'a.jpg': 'img',
      'a.txt': 'a red apple\n',
      'b.png': 'img',
      'b.caption': 'a green apple',
      'c.webp': 'img',
      'c.txt': '   \n',
      'd.jpg': 'img',
      'e.jpg': 'img',
      'e.png': 'img',
      'e.txt': 'two stems',
      'notes.pdf': 'x',
    });
    expect(d.format).toBe('sidecar');
    expect(d.samples.map((s) => [s.imagePath, s.captions[0]])).toEqual([
      ['a.jpg', 'a red apple'],
      ['b.png', 'a green apple'],
      ['e.jpg', 'two stems'],
    ]);
    expect(reasonFor(d, 'c.webp')[0]).toMatch(/empty caption in c.txt/);
    expect(reasonFor(d, 'd.jpg')).toEqual(['no caption']);
    expect(reasonFor(d, 'e.png')[0]).toMatch(/two images with one stem: e.jpg is used/);
    expect(reasonFor(d, 'notes.pdf')[0]).toMatch(/not an image \(\.pdf\)/);
  });

  it('keeps several captions, one per line', async () => {
    const d = await detect({ 'x.jpg': '', 'x.txt': 'first caption\r\nsecond caption\r\n' });
    expect(d.samples[0].captions).toEqual(['first caption', 'second caption']);
  });
});

describe('CSV and TSV', () => {
  it("reads open_clip's filepath/title with quotes, commas, non-Latin text, a BOM and CRLF", async () => {
    const csv = '\ufefffilepath,title\r\nimgs/1.jpg,"a cat, sitting"\r\nimgs/2.jpg,"she said ""hi"""\r\nimgs/3.jpg,日本の猫 🐱\r\nimgs/9.jpg,missing\r\n';
    const d = await detect({ 'data.csv': csv, 'imgs/1.jpg': '', 'imgs/2.jpg': '', 'imgs/3.jpg': '' });
    expect(d.format).toBe('csv');
    expect(d.detail).toContain('"filepath"');
    expect(d.samples.map((s) => s.captions[0])).toEqual(['a cat, sitting', 'she said "hi"', '日本の猫 🐱']);
    expect(reasonFor(d, 'data.csv:5')[0]).toBe('image imgs/9.jpg does not exist');
  });

  it('detects a tab or semicolon separator and a label column', async () => {
    const tsv = 'image\tcaption\tlabel\na.png\ta dog\tanimal\nb.png\ta car\tvehicle\n';
    const d = await detect({ 'pairs.tsv': tsv, 'a.png': '', 'b.png': '' });
    expect(d.samples.map((s) => [s.captions[0], s.label])).toEqual([['a dog', 'animal'], ['a car', 'vehicle']]);
    const semi = await detect({ 'pairs.csv': 'file_name;text\na.png;one\nb.png;two\n', 'a.png': '', 'b.png': '' });
    expect(semi.samples.map((s) => s.captions[0])).toEqual(['one', 'two']);
  });

  it('names the header when it has no usable column, and still loads sidecar captions beside it', async () => {
    const d = await detect({ 'bad.csv': 'name,words\na.png,hello\n', 'a.png': '', 'a.txt': 'from the sidecar' });
    expect(d.format).toBe('sidecar');
    const why = reasonFor(d, 'bad.csv')[0];
    expect(why).toContain('header has no an image-path column');
    expect(why).toContain('it is: name, words');
    const only = await detect({ 'bad.csv': 'name,words\na.png,hello\n', 'a.png': '' });
    expect(only.format).toBe('none');
    expect(only.table?.columns).toEqual(['name', 'words']);
  });

  it("uses the user's column choice when the guess is ambiguous", async () => {
    const csv = 'image,path,caption,title\na.png,x,short,long caption a\nb.png,y,short,long caption b\n';
    const guess = await detect({ 'm.csv': csv, 'a.png': '', 'b.png': '' });
    expect(guess.table?.ambiguous).toBe(true);
    const chosen = await detect({ 'm.csv': csv, 'a.png': '', 'b.png': '' }, { columns: { file: 'm.csv', path: 'image', caption: 'title' } });
    expect(chosen.samples.map((s) => s.captions[0])).toEqual(['long caption a', 'long caption b']);
  });

  it('reports an empty caption cell', async () => {
    const d = await detect({ 'c.csv': 'filepath,title\na.png,\nb.png,ok\n', 'a.png': '', 'b.png': '' });
    expect(d.samples.map((s) => s.imagePath)).toEqual(['b.png']);
    expect(reasonFor(d, 'c.csv:2')[0]).toBe('empty caption for a.png');
  });
});

describe('Hugging Face imagefolder metadata', () => {
  it('reads metadata.jsonl with file_name and text (a list keeps every caption), honouring split folders', async () => {
    const jsonl = ['{"file_name": "a.png", "text": "one"}', '{"file_name": "b.png", "text": ["two", "deux"]}', 'not json'].join('\n');
    const d = await detect({ 'train/metadata.jsonl': jsonl, 'train/a.png': '', 'train/b.png': '', 'test/metadata.jsonl': '{"file_name":"c.png","text":"three"}', 'test/c.png': '' });
    expect(d.format).toBe('imagefolder-metadata');
    expect(d.samples.map((s) => [s.imagePath, s.captions, s.split])).toEqual([
      ['train/a.png', ['one'], 'train'],
      ['train/b.png', ['two', 'deux'], 'train'],
    ]);
    expect(reasonFor(d, 'train/metadata.jsonl:3')[0]).toBe('line is not valid JSON');
  });
});

describe('class folders', () => {
  it('labels by folder with an editable template and honours train/val splits', async () => {
    const d = await detect(
      { 'train/cat/1.jpg': '', 'train/cat/2.jpg': '', 'train/golden_retriever/3.jpg': '', 'val/cat/4.jpg': '', 'val/golden_retriever/5.jpg': '' },
      { classTemplate: 'an image of a {label}' },
    );
    expect(d.format).toBe('class-folders');
    expect(d.samples.map((s) => [s.captions[0], s.label, s.split])).toEqual([
      ['an image of a cat', 'cat', 'train'],
      ['an image of a cat', 'cat', 'train'],
      ['an image of a golden retriever', 'golden_retriever', 'train'],
      ['an image of a cat', 'cat', 'heldout'],
      ['an image of a golden retriever', 'golden_retriever', 'heldout'],
    ]);
  });
});

describe('COCO captions', () => {
  it('keeps several captions per image and reports images that are missing', async () => {
    const coco = JSON.stringify({
      images: [
        { id: 1, file_name: 'a.jpg' },
        { id: 2, file_name: 'b.jpg' },
        { id: 3, file_name: 'gone.jpg' },
      ],
      annotations: [
        { image_id: 1, caption: 'first' },
        { image_id: 1, caption: 'second' },
        { image_id: 2, caption: 'third' },
      ],
    });
    const d = await detect({ 'annotations/captions.json': coco, 'images/a.jpg': '', 'images/b.jpg': '' });
    expect(d.format).toBe('coco');
    expect(d.samples.map((s) => s.captions)).toEqual([['first', 'second'], ['third']]);
    expect(d.entries.some((e) => e.reason === 'image gone.jpg does not exist')).toBe(true);
  });
});

describe('nothing usable', () => {
  it('says so for images without any caption source, and for an empty folder', async () => {
    const d = await detect({ 'x.jpg': '', 'y.jpg': '' });
    expect(d.format).toBe('none');
    expect(d.entries.map((e) => e.reason)).toEqual(['no caption found for any image', 'no caption found for any image']);
    const empty = await detect({});
    expect(empty.format).toBe('none');
    expect(empty.samples).toEqual([]);
  });
});
