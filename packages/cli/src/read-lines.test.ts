import { describe, expect, it } from 'vitest';
import { type InputLine, SkippedLine } from './input-line.js';
import { readLineBatches, readLines } from './read-lines.js';

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array | string> {
  for (const part of parts) yield part;
}

async function collect(source: AsyncIterable<InputLine>): Promise<(string | SkippedLine)[]> {
  const lines: InputLine[] = [];
  for await (const line of source) lines.push(line);
  return lines;
}

const tooLong = new SkippedLine('line-too-long');
const binary = new SkippedLine('binary');

describe('readLines', () => {
  it('splits on line feeds, drops a trailing CR and blank lines, keeps a last unterminated line', async () => {
    const lines = await collect(readLines(chunks('a\r\nb\n\n\r\nc')));
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('joins a line split across chunks, multi-byte characters included', async () => {
    const bytes = Buffer.from('{"service":"café"}\n', 'utf8');
    // Cut inside the two-byte é.
    const cut = bytes.indexOf(0xc3) + 1;
    const lines = await collect(readLines(chunks(bytes.subarray(0, cut), bytes.subarray(cut))));
    expect(lines).toEqual(['{"service":"café"}']);
  });

  it('drops a line over the cap without keeping it, whether it comes in one chunk or many', async () => {
    const options = { maxLineBytes: 10 };
    expect(await collect(readLines(chunks('short\n0123456789ABC\nnext\n'), options))).toEqual([
      'short',
      tooLong,
      'next',
    ]);
    expect(
      await collect(readLines(chunks('01234', '56789', 'ABCDE', 'FG\nnext\n'), options)),
    ).toEqual([tooLong, 'next']);
    // A line exactly at the cap is kept, its CRLF not counted.
    expect(await collect(readLines(chunks('0123456789\r\n'), options))).toEqual(['0123456789']);
    // Over the cap at the end of the input, no line break.
    expect(await collect(readLines(chunks('ok\n0123456', '789ABCDEF'), options))).toEqual([
      'ok',
      tooLong,
    ]);
  });

  it('drops a 2 MB line at the default 1 MiB cap and keeps the lines around it', async () => {
    const huge = `{"hoptrace":"client","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    const bytes = Buffer.from(`before\n${huge}\nafter\n`);
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
      parts.push(bytes.subarray(offset, offset + 64 * 1024));
    }
    expect(await collect(readLines(chunks(...parts)))).toEqual(['before', tooLong, 'after']);
  });

  it('marks invalid UTF-8 and NUL bytes as binary', async () => {
    const lines = await collect(
      readLines(
        chunks(
          Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]),
          Buffer.from('a\u0000b\n', 'utf8'),
          Buffer.from([0xed, 0xa0, 0x80, 0x0a]), // an encoded surrogate: not UTF-8
          'fine\n',
        ),
      ),
    );
    expect(lines).toEqual([binary, binary, binary, 'fine']);
  });

  it('skips a UTF-8 byte order mark on the first line only', async () => {
    const lines = await collect(readLines(chunks(Buffer.from('\ufeff{}\n\ufeff{}\n', 'utf8'))));
    expect(lines).toEqual(['{}', '\ufeff{}']);
  });

  it('does not keep a reference to a chunk its source reuses', async () => {
    const buffer = Buffer.from('abc');
    async function* reusing(): AsyncGenerator<Uint8Array> {
      yield buffer;
      buffer.write('xyz');
      yield Buffer.from('\n');
    }
    expect(await collect(readLines(reusing()))).toEqual(['abc']);
  });

  it('yields one array per chunk from readLineBatches', async () => {
    const batches: InputLine[][] = [];
    for await (const batch of readLineBatches(chunks('a\nb\n', 'c\n'))) batches.push(batch);
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });
});
