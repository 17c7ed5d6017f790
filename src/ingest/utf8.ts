import { isUtf8 } from 'node:buffer';

/**
 * Where a text stream stops being UTF-8: checked chunk by chunk as the file is hashed (one read of
 * the bytes for both). Bureau exports from older systems are often GBK or GB18030, whose bytes can
 * pass for UTF-8 here and there: read as UTF-8, part of such a file loaded as mojibake (names in the
 * pushes' greetings) and the rest went to quarantine line by line. A file that is not UTF-8 is
 * refused as a whole instead, naming the first line that is not.
 */
export class Utf8Check {
  private carry: Buffer = Buffer.alloc(0);
  private offset = 0;
  private lines = 1;
  /** The first byte that is not UTF-8 text: its offset in the file and its line (1-based). */
  invalid: { offset: number; line: number } | null = null;

  update(chunk: Buffer): void {
    if (this.invalid) return;
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    // A character cut by the chunk's end waits for the next chunk.
    const cut = data.length - incompleteTail(data);
    const whole = data.subarray(0, cut);
    if (!isUtf8(whole)) {
      const at = firstInvalid(whole);
      this.invalid = { offset: this.offset + at, line: this.lines + countNewlines(whole.subarray(0, at)) };
      return;
    }
    this.lines += countNewlines(whole);
    this.offset += cut;
    this.carry = Buffer.from(data.subarray(cut));
  }

  /** At the end of the file: a character left incomplete is not UTF-8 either. */
  end(): { offset: number; line: number } | null {
    if (!this.invalid && this.carry.length > 0) this.invalid = { offset: this.offset, line: this.lines };
    return this.invalid;
  }
}

const countNewlines = (b: Buffer): number => {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
};

/** The length of a multi-byte character begun in the last three bytes and not finished there. */
function incompleteTail(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** The offset of the first byte that does not begin a well-formed UTF-8 character (RFC 3629). */
function firstInvalid(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > b.length || !isUtf8(b.subarray(i, i + n))) return i;
    i += n;
  }
  return b.length;
}
