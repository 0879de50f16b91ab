/**
 * The Node-free model decoder (src/prior/model-decode.ts) that the WebGPU
 * worker uses: with WebCrypto hashing it reads every shipped model exactly
 * as the engine's decodeModel does, and names the same problems.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { decodeModel, encodeModel } from '../../src/prior/model-file.js';
import { decodeModelBytesAsync, webCryptoSha256 } from '../../src/prior/model-decode.js';
import { foeArchitecture, initialParameters } from '../../src/prior/factory.js';

const dir = path.resolve('resources/models');

describe('model decoding without Node', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.gncm')))('%s decodes to what the engine reads', async (file) => {
    const bytes = new Uint8Array(readFileSync(path.join(dir, file)));
    const engine = decodeModel(bytes, file);
    const browser = await decodeModelBytesAsync(bytes, file, webCryptoSha256);
    expect(browser.id).toBe(engine.id);
    expect(browser.architecture).toEqual(engine.architecture);
    expect(browser.metadata).toEqual(engine.metadata);
    browser.parameters.kernels.forEach((k, l) => expect(k).toEqual(engine.parameters.kernels[l]));
    browser.parameters.splines.forEach((s, l) => expect(s).toEqual(engine.parameters.splines[l]));
  });

  it('names the same first problem as the engine', async () => {
    const arch = foeArchitecture({ layers: 1, features: 3, nz: 9, nt: 6 });
    const good = new Uint8Array(encodeModel(arch, initialParameters(arch, 1), { name: 'tiny' }));
    const flipped = good.slice();
    flipped[flipped.length - 2]! ^= 0x01;
    const foreign = new TextEncoder().encode('not a model at all, just text');
    for (const bad of [flipped, foreign, good.subarray(0, 30), good.subarray(0, good.length - 4)]) {
      let engineMessage = '';
      try {
        decodeModel(bad, 'm.gncm');
      } catch (err) {
        engineMessage = (err as Error).message;
      }
      expect(engineMessage).not.toBe('');
      await expect(decodeModelBytesAsync(bad, 'm.gncm', webCryptoSha256)).rejects.toMatchObject({ kind: 'invalid-model', message: engineMessage });
    }
  });
});
