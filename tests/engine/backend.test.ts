import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { parseBackendChoice, selectBackend } from '../../src/engine/backend.js';
import { tf } from '../../src/engine/tf.js';

const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const hasTensorflow = installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node');

describe('backend selection', () => {
  it('auto picks the fastest backend that loads and says what it skipped', async () => {
    const info = await selectBackend('auto');
    expect(tf.getBackend()).toBe(info.name);
    if (hasTensorflow) {
      expect(info.name).toBe('tensorflow');
    } else {
      expect(info.name).toBe('wasm');
      expect(info.skipped.map((s) => s.name)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
      expect(info.skipped[0]!.reason).toMatch(/not installed/);
    }
    expect(info.threads).toBeGreaterThanOrEqual(0);
  });

  it('an explicit choice is honoured', async () => {
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(hasTensorflow)('asking for tensorflow where it is not installed fails with the reason', async () => {
    await expect(selectBackend('tensorflow')).rejects.toMatchObject({
      kind: 'backend',
      message: expect.stringMatching(/tensorflow backend is not available here.*not installed/),
    });
  });

  it('rejects unknown backend names, listing the valid ones', () => {
    expect(() => parseBackendChoice('gpu')).toThrow(/auto, onnx, tensorflow, wasm, cpu/);
    expect(parseBackendChoice('wasm')).toBe('wasm');
  });
});
