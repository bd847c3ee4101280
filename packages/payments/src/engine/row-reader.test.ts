import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCsvParser, createJsonArraySplitter, csvField, readRows } from './row-reader.js';

const parseAll = (text: string, cuts: number[]) => {
  const parser = createCsvParser();
  const out: string[][] = [];
  let last = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(...parser.push(text.slice(last, cut)));
    last = cut;
  }
  out.push(...parser.push(text.slice(last)));
  out.push(...parser.end());
  return out;
};

describe('CSV parser', () => {
  it('round-trips any table through csvField, however the text is chunked', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é') });
    fc.assert(
      fc.property(
        fc
          .array(fc.array(cell, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 })
          .map((rows) => {
            const width = rows[0]!.length;
            return rows.map((row) =>
              row.slice(0, width).concat(Array(Math.max(0, width - row.length)).fill('x')),
            );
          }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (rows, cutSeeds) => {
          const quoted = rows
            .map((row) => row.map((value) => `"${value.replaceAll('"', '""')}"`).join(','))
            .join('\r\n');
          const cuts = cutSeeds.map((seed) => seed % (quoted.length + 1));
          expect(parseAll(quoted, cuts)).toEqual(rows);
        },
      ),
    );
  });

  it('handles BOM, CRLF, a missing final newline and blank lines', () => {
    expect(parseAll('\ufeffa,b\r\n1,2\r\n\r\n3,"x\ny"', [3, 9])).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', 'x\ny'],
    ]);
  });

  it('guards spreadsheet formulas in exported cells', () => {
    expect(csvField('=SUM(A1)')).toBe(`"'=SUM(A1)"`);
    expect(csvField('-12')).toBe('-12');
    expect(csvField('a,b')).toBe('"a,b"');
  });
});

describe('JSON array splitter', () => {
  it('yields each element of any JSON array, however chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (values, seeds) => {
          const text = JSON.stringify(values, null, 1);
          const splitter = createJsonArraySplitter();
          const parts: string[] = [];
          let last = 0;
          for (const cut of seeds.map((seed) => seed % (text.length + 1)).sort((a, b) => a - b)) {
            parts.push(...splitter.push(text.slice(last, cut)));
            last = cut;
          }
          parts.push(...splitter.push(text.slice(last)));
          splitter.end();
          expect(parts.map((part) => JSON.parse(part))).toEqual(JSON.parse(text));
        },
      ),
    );
  });
});

describe('readRows', () => {
  it('reports a CSV row of the wrong width without stopping', async () => {
    const rows = [];
    for await (const row of readRows('instruction_id,amount\nA,1\nB\nC,3\n', 'csv')) rows.push(row);
    expect(rows).toEqual([
      { rowNumber: 1, value: { instructionId: 'A', amount: '1' } },
      { rowNumber: 2, error: 'expected 2 fields, found 1' },
      { rowNumber: 3, value: { instructionId: 'C', amount: '3' } },
    ]);
  });

  it('reports a truncated JSON array as a bad last row', async () => {
    const rows = [];
    for await (const row of readRows('[{"a":1},{"a":2},{"a"', 'json')) rows.push(row);
    expect(rows.slice(0, 2)).toEqual([
      { rowNumber: 1, value: { a: 1 } },
      { rowNumber: 2, value: { a: 2 } },
    ]);
    expect(rows.at(-1)).toMatchObject({ error: expect.any(String) });
  });
});
