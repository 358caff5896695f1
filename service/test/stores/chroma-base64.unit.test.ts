import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { base64Float32 } from '../../src/stores/chroma-gateway.js';

/** The chromadb client's own encoding of a vector (its `embeddingsToBase64Bytes`, one vector). */
function clientEncoding(vector: number[]): string {
  const view = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) view[i] = vector[i]!;
  return btoa(Array.from(new Uint8Array(view.buffer), (byte) => String.fromCharCode(byte)).join(''));
}

describe('base64Float32', () => {
  it('encodes a vector exactly as the chromadb client does (float32, base64), and decodes back to Math.fround', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 400 }), (vector) => {
        const encoded = base64Float32(vector);
        expect(encoded).toBe(clientEncoding(vector));
        const bytes = Buffer.from(encoded, 'base64');
        const decoded = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
        expect(Array.from(decoded)).toEqual(vector.map(Math.fround));
      }),
    );
  });
});
