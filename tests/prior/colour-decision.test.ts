/**
 * The colour decision recorded in the shipped grey priors (scripts/measure-colour.ts):
 * the metadata names the colour space the engine restores colour in, with the
 * figures behind it, and writing it left the model's identity alone.
 */
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, loadModelFile } from '../../src/prior/model-file.js';
import { shippedModels } from '../../src/prior/registry.js';
import { layoutFor } from '../../src/restore/layout.js';

interface ColourRecord {
  mode: string;
  measured: { data: string; sigma: number; psnr: Record<string, number> };
}

describe('colour decision in the shipped model files', () => {
  const measured = ['grey-l1-dsm', 'grey-l2-dsm'];
  for (const name of measured) {
    it(`${name} records opponent planes, which the engine uses and which measured best`, async () => {
      const file = shippedModels().find((m) => m.name === name)!.path;
      const model = await loadModelFile(file);
      const colour = model.metadata.colour as ColourRecord;
      expect(colour.mode).toBe('opponent-planes');
      expect(layoutFor({ width: 4, height: 4, channels: 3 }, model.architecture.inChannels).mode).toBe(colour.mode);
      const { psnr } = colour.measured;
      expect(psnr.opponent).toBeGreaterThan(psnr.rgb!);
      expect(psnr.opponent).toBeGreaterThan(psnr.ycbcr!);
      expect(psnr.opponent).toBeGreaterThan(psnr.input! + 5);
      expect(colour.measured.data).toMatch(/McMaster/);
    });
  }

  it('metadata is outside the identity: the same weights with other metadata keep the id', async () => {
    const file = shippedModels().find((m) => m.name === 'grey-l1-dsm')!.path;
    const model = await loadModelFile(file);
    const { colour: _colour, ...without } = model.metadata;
    const again = decodeModel(encodeModel(model.architecture, model.parameters, { ...without, name: model.metadata.name }));
    expect(again.id).toBe(model.id);
    expect(again.metadata.colour).toBeUndefined();
  });
});
