import { describe, expect, it } from 'vitest';
import { metadataTsv, pointsCsv, spreadsheetText } from '../../src/core/exportFiles';

describe('exports are safe to open in a spreadsheet', () => {
  const rows = {
    ids: ['=HYPERLINK("http://example.test","x").png', 'b.png', '@sum.png', 'd.png'],
    captions: ['=1+1', '+cmd|calc', '-2+3', '\tlead tab'],
    labels: ['@SUM(A1)', 'plain', '', '\rcr'],
  };

  it('neutralises text that starts with =, +, -, @, a tab or a carriage return', () => {
    for (const t of ['=1', '+1', '-1', '@A1', '\tx', '\rx']) expect(spreadsheetText(t)).toBe(`'${t}`);
    for (const t of ['a photo', '1-2', 'x=y', '']) expect(spreadsheetText(t)).toBe(t);
  });

  it('in the projection CSV: every text cell, but not negative coordinates', () => {
    const csv = pointsCsv(new Float32Array([-0.5, 1, 2, -3, 0, 0, 1, 1]), rows);
    const lines = csv.trim().split('\n').slice(1);
    expect(lines[0]).toBe(`"'=HYPERLINK(""http://example.test"",""x"").png",'=1+1,'@SUM(A1),-0.5,1`);
    expect(lines[1]).toBe(`b.png,'+cmd|calc,plain,2,-3`);
    expect(lines[2].startsWith(`'@sum.png,'-2+3,,`)).toBe(true);
    for (const line of lines) for (const c of line.split(',')) expect(/^[=+@\t\r]/.test(c.replace(/^"/, ''))).toBe(false);
  });

  it('in the Projector metadata TSV', () => {
    const lines = metadataTsv(rows).trim().split('\n').slice(1);
    for (const line of lines) for (const c of line.split('\t')) expect(/^[=+\-@]/.test(c)).toBe(false);
    expect(lines[0]).toBe(`'=1+1\t'@SUM(A1)\t'=HYPERLINK("http://example.test","x").png`);
    expect(lines[3].startsWith(`' lead tab\t' cr`)).toBe(true);
  });
});
