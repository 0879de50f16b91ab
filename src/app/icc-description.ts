/**
 * The human-readable name of an ICC profile ("sRGB IEC61966-2.1", "Display
 * P3"), read from its 'desc' tag, so the app can say which colour space a
 * photo is in. Handles both tag types in use: ICC v2 'desc' (ASCII) and v4
 * 'mluc' (UTF-16BE, first record). Anything malformed gives undefined: the
 * name is informative only and must never fail an upload.
 */
const HEADER = 128;

export function iccDescription(icc: Uint8Array | undefined): string | undefined {
  if (!icc || icc.length < HEADER + 4) return undefined;
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const ascii = (at: number, n: number) => String.fromCharCode(...icc.subarray(at, at + n));
  const count = view.getUint32(HEADER);
  if (count > 1000 || HEADER + 4 + count * 12 > icc.length) return undefined;
  for (let i = 0; i < count; i++) {
    const entry = HEADER + 4 + i * 12;
    if (ascii(entry, 4) !== 'desc') continue;
    const offset = view.getUint32(entry + 4);
    const size = view.getUint32(entry + 8);
    if (offset + size > icc.length || size < 12) return undefined;
    const type = ascii(offset, 4);
    if (type === 'desc') {
      const n = view.getUint32(offset + 8);
      if (n === 0 || offset + 12 + n > icc.length) return undefined;
      return clean(ascii(offset + 12, n));
    }
    if (type === 'mluc') {
      const records = view.getUint32(offset + 8);
      if (records < 1 || size < 28) return undefined;
      const length = view.getUint32(offset + 20);
      const start = offset + view.getUint32(offset + 24);
      if (start + length > icc.length) return undefined;
      let s = '';
      for (let k = 0; k + 1 < length; k += 2) s += String.fromCharCode(view.getUint16(start + k));
      return clean(s);
    }
    return undefined;
  }
  return undefined;
}

function clean(s: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/\u0000+$/, '').replace(/[\u0000-\u001f]/g, ' ').trim();
  return t ? t.slice(0, 200) : undefined;
}
