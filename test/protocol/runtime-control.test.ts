// The control channel's encoding: notes and `ready` fit one atomic pipe write, so the runtime's two threads never mangle each other's lines.
import { describe, expect, it } from 'vitest';
import { ATOMIC_CONTROL_LINE_BYTES, encodeControl, parseControl } from '../../src/protocol/runtime-control.js';

describe('encodeControl', () => {
  it.each([
    ['ASCII at the text cap', 'x'.repeat(5000)],
    ['multi-byte characters', 'é€😀'.repeat(3000)],
    ['characters JSON escapes six-fold', '\u0001'.repeat(4000)],
  ])('a note of %s fits one atomic write and still parses', (_what, text) => {
    const line = encodeControl({ type: 'note', message: text });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(ATOMIC_CONTROL_LINE_BYTES);
    expect(line.endsWith('\n')).toBe(true);
    const parsed = parseControl(line.slice(0, -1));
    expect(parsed?.type).toBe('note');
    const message = (parsed as { message: string }).message;
    expect(message.endsWith('…')).toBe(true);
    expect(text.startsWith(message.slice(0, -1))).toBe(true);
  });

  it('a short note is kept whole; ready is one short line', () => {
    expect(parseControl(encodeControl({ type: 'note', message: 'slow transpile' }).trimEnd())).toEqual({ type: 'note', message: 'slow transpile' });
    expect(Buffer.byteLength(encodeControl({ type: 'ready' }))).toBeLessThan(64);
  });
});
