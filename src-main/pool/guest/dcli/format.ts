/**
 * How DCLI prints: aligned tables (header, dashes, columns padded to the widest cell), key/value
 * blocks, hex dumps, byte sizes, and the number syntax of offsets and lengths (512, 4k, 1M).
 */

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function keyValues(pairs: Array<[string, string | number]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${v}`).join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${Number(v.toFixed(2))} ${units[u]}`;
}

/** 16 bytes a line: offset, hex, ASCII. `base` is the absolute offset of data[0]. */
export function hexDump(data: Buffer, base = 0, maxLines = 4096): string {
  const lines: string[] = [];
  for (let at = 0; at < data.length && lines.length < maxLines; at += 16) {
    const row = data.subarray(at, Math.min(at + 16, data.length));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(
      `${(base + at).toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`,
    );
  }
  if (data.length > maxLines * 16) lines.push(`... ${data.length - maxLines * 16} more bytes not shown`);
  return lines.join('\n');
}

/** Bare hex, 32 bytes a line (what `dcli scsi --raw` prints). */
export function bareHex(data: Buffer): string {
  const out: string[] = [];
  for (let at = 0; at < data.length; at += 32) out.push(data.subarray(at, at + 32).toString('hex'));
  return out.join('\n');
}

/** 4096, 4k, 4K, 4KiB, 1M, 2g -> bytes (binary units); null when not a size. */
export function parseSize(text: string): number | null {
  const m = /^(\d{1,16})([kmgt]i?b?)?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult =
    unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : unit === 't' ? 1024 ** 4 : 1;
  const v = n * mult;
  return Number.isSafeInteger(v) ? v : null;
}

export function poolTime(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
