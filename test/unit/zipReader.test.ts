import { describe, expect, it } from 'vitest';
import { entrySkip, normaliseSourcePath, readCentralDirectory, readEntry, zipRefusal } from '../../src/data/zipReader';
import { backslashZip, buildZip, declaredHuge, flippedByteZip, plainZip, zerosBomb } from '../hostile/zips';

const reader = (bytes: Uint8Array) => async (offset: number, length: number) => bytes.slice(offset, offset + length);

async function open(bytes: Uint8Array) {
  const read = reader(bytes);
  const entries = await readCentralDirectory(read, bytes.length);
  return { entries, refusal: zipRefusal(entries, bytes.length), read };
}

describe('zip reader: caps before inflating', () => {
  it('reads an ordinary zip entry by entry', async () => {
    const z = plainZip({ 'a/x.txt': 'hello', 'a/y.txt': 'x'.repeat(10_000) });
    const { entries, refusal, read } = await open(z);
    expect(refusal).toBeUndefined();
    expect(entries.map((e) => e.name)).toEqual(['a/x.txt', 'a/y.txt']);
    expect(new TextDecoder().decode(await readEntry(read, z.length, entries[1]))).toBe('x'.repeat(10_000));
  });

  it('refuses a 2 GB-expanding zip of 2,048 × 1 MiB entries from its directory alone (nothing inflated)', async () => {
    const z = zerosBomb(2048, 1);
    expect(z.length).toBeLessThan(4 * 1024 * 1024);
    const t0 = performance.now();
    const { refusal } = await open(z);
    expect(refusal).toMatch(/would expand to 2\.0 GB, over the 2\.0 GB cap|expand \d+-fold/);
    console.log(`2,048-entry bomb refused in ${(performance.now() - t0).toFixed(0)} ms`); // timing is printed, not asserted
  });

  it('refuses a few hundred 2 MiB entries of zeros by their ratio', async () => {
    const { refusal } = await open(zerosBomb(300, 2));
    expect(refusal).toMatch(/would expand \d+-fold .* \(a zip bomb\?\): not opened/);
  });

  it('skips an entry that declares gigabytes before inflating it', async () => {
    const { entries } = await open(declaredHuge());
    expect(entrySkip(entries[0])).toMatch(/would expand to 4\.0 GB, over the 100 MB cap: skipped before inflating/);
  });

  it('stops an entry that inflates past the size its header declares (lying headers)', async () => {
    const z = zerosBomb(3, 8, 'lying');
    const { entries, refusal, read } = await open(z);
    expect(refusal).toBeUndefined(); // the headers claim 1,000 bytes each
    await expect(readEntry(read, z.length, entries[0])).rejects.toThrow(/inflates past its declared 1000 bytes .*stopped/);
  });

  it('refuses a directory that claims more entries than the cap', async () => {
    const z = buildZip([]);
    new DataView(z.buffer).setUint16(z.length - 22 + 10, 0xffff, true); // count 0xffff asks for zip64, which is absent
    await expect(readCentralDirectory(reader(z), z.length)).rejects.toThrow(/zip64 archive without its locator/);
  });

  it('says a truncated zip is truncated, and a non-zip is not a zip', async () => {
    const z = plainZip({ 'a.txt': 'x' });
    await expect(readCentralDirectory(reader(z.slice(0, z.length - 10)), z.length - 10)).rejects.toThrow(/end-of-central-directory/);
    const junk = new TextEncoder().encode('PK\x03\x04 not really a zip at all, just text pretending');
    await expect(readCentralDirectory(reader(junk), junk.length)).rejects.toThrow(/end-of-central-directory/);
  });

  it('normalises entry names written with another OS separator', async () => {
    const { entries } = await open(backslashZip({ 'cats/a.png': 'x', 'dogs/b.png': 'y' }));
    expect(entries.map((e) => e.name)).toEqual(['cats/a.png', 'dogs/b.png']);
    expect(normaliseSourcePath('.\\a\\..\\b//c.jpg')).toBe('a/b/c.jpg');
    expect(normaliseSourcePath('/abs/x.png')).toBe('abs/x.png');
    expect(normaliseSourcePath('dir/')).toBe('dir/');
  });

  it('refuses an entry whose bytes do not match its CRC-32 (damage that inflation does not see)', async () => {
    const z = flippedByteZip('captions.csv', 'filename,caption\na.png,a red circle\n');
    const { entries, read } = await open(z);
    await expect(readEntry(read, z.length, entries[0])).rejects.toThrow(/do not match the checksum \(CRC-32\) in the zip: the archive is damaged/);
    const deflated = plainZip({ 'b.txt': 'y'.repeat(5000) });
    const d = await open(deflated);
    d.entries[0].crc ^= 1; // the directory's checksum is wrong instead
    await expect(readEntry(d.read, deflated.length, d.entries[0])).rejects.toThrow(/CRC-32/);
  });

  it('skips encrypted entries and unknown methods with the reason', async () => {
    const z = buildZip([{ name: 'x.png', data: new Uint8Array(4), method: 0, size: 4 }]);
    const { entries } = await open(z);
    expect(entrySkip({ ...entries[0], flags: 1 })).toMatch(/encrypted/);
    expect(entrySkip({ ...entries[0], method: 12 })).toMatch(/method 12 is not supported/);
  });
});
