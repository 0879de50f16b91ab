import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeModel, encodeModel, loadModelFile, saveModel } from '../../src/prior/model-file.js';
import { foeArchitecture, initialParameters } from '../../src/prior/factory.js';
import { GncError } from '../../src/util/errors.js';

const arch = foeArchitecture({ layers: 2, features: 4, nz: 11, nt: 6 });
const params = initialParameters(arch, 3);
const meta = { name: 'tiny', training: { iterations: 12, data: 'synthetic' } };

function expectModelError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GncError);
    expect((err as GncError).kind).toBe('invalid-model');
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an error');
}

describe('model file format', () => {
  it('round-trips architecture, weights and metadata exactly', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gnc-model-'));
    const file = path.join(dir, 'tiny.gncm');
    const id = await saveModel(file, arch, params, meta);
    const loaded = await loadModelFile(file);
    expect(loaded.id).toBe(id);
    expect(loaded.architecture).toEqual(arch);
    expect(loaded.metadata.training).toEqual(meta.training);
    loaded.parameters.kernels.forEach((k, l) => expect(Array.from(k)).toEqual(Array.from(params.kernels[l]!)));
    loaded.parameters.splines.forEach((s, l) => expect(Array.from(s)).toEqual(Array.from(params.splines[l]!)));
    expect(readdirSync(dir)).toEqual(['tiny.gncm']);
  });

  it('identity depends on architecture and weights only, not on metadata', () => {
    const a = decodeModel(encodeModel(arch, params, meta));
    const b = decodeModel(encodeModel(arch, params, { name: 'renamed', notes: 'more text' }));
    expect(a.id).toBe(b.id);
    const changed = { ...params, kernels: params.kernels.map((k, l) => (l === 0 ? k.map((v, i) => (i === 0 ? v + 1e-3 : v)) : k)) };
    expect(decodeModel(encodeModel(arch, changed, meta)).id).not.toBe(a.id);
  });

  it('names the problem in a truncated, corrupted or foreign file', () => {
    const bytes = encodeModel(arch, params, meta);
    expectModelError(() => decodeModel(bytes.subarray(0, 10)), /truncated/);
    expectModelError(() => decodeModel(bytes.subarray(0, 40)), /truncated: the header needs/);
    expectModelError(() => decodeModel(bytes.subarray(0, bytes.length - 8)), /truncated or padded: expected \d+ bytes of weights but found \d+/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3]! ^= 0xff;
    expectModelError(() => decodeModel(flipped), /checksum mismatch/);
    const foreign = Buffer.from('PK\x03\x04 this is a zip file, not a model');
    expectModelError(() => decodeModel(foreign), /not a GNC Studio model/);
    const future = Buffer.from(bytes);
    future.writeUInt32LE(99, 8);
    expectModelError(() => decodeModel(future), /unsupported format version 99/);
  });

  it('rejects a header whose tensors do not fit the architecture', () => {
    const bytes = encodeModel(arch, params, meta);
    const headerLength = bytes.readUInt32LE(12);
    const header = JSON.parse(bytes.toString('utf8', 16, 16 + headerLength));
    header.architecture.layers[1].features = 5; // now the spline table disagrees
    const json = Buffer.from(JSON.stringify(header));
    const pre = Buffer.from(bytes.subarray(0, 16));
    pre.writeUInt32LE(json.length, 12);
    const tampered = Buffer.concat([pre, json, bytes.subarray(16 + headerLength)]);
    expectModelError(() => decodeModel(tampered), /needs layers\.\d\.(kernel|spline)/);
  });

  it('reports a missing file as an unknown model', async () => {
    await expect(loadModelFile('/nonexistent/x.gncm')).rejects.toMatchObject({ kind: 'unknown-model' });
  });

  it('loads the shipped starter prior and it validates', () => {
    const file = path.resolve('resources/models/starter-dct-gsm.gncm');
    const m = decodeModel(readFileSync(file), file);
    expect(m.architecture.layers).toHaveLength(1);
    expect(m.architecture.layers[0]!.features).toBe(48);
    expect(m.metadata.defaults?.denoise?.steps).toBeGreaterThan(0);
  });

  it('never leaves a half-written file when saving fails', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gnc-model-'));
    const bad = { ...params, splines: [params.splines[0]!, new Float32Array(3)] };
    await expect(saveModel(path.join(dir, 'bad.gncm'), arch, bad, meta)).rejects.toThrow(/expected .* values but have 3/);
    writeFileSync(path.join(dir, 'keep'), '');
    expect(readdirSync(dir)).toEqual(['keep']);
  });
});
