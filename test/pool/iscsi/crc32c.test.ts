import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../src-main/pool/iscsi/crc32c';

describe('CRC32C, the iSCSI digest', () => {
  it('matches the RFC 3720 / RFC 7143 Appendix B test vectors', () => {
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('is the standard check value for "123456789" and chains over split input', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const whole = Buffer.from('the quick brown fox jumps over the lazy dog, twice over');
    for (const cut of [0, 1, 7, 8, 9, 30, whole.length]) {
      expect(crc32c(whole.subarray(cut), crc32c(whole.subarray(0, cut)))).toBe(crc32c(whole));
    }
  });
});
