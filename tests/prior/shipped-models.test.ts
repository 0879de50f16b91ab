import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, resolveModel, shippedModels } from '../../src/prior/registry.js';

describe('shipped models', () => {
  it('include the default, and every one validates and records how it was made', async () => {
    const names = shippedModels().map((m) => m.name);
    expect(names).toContain(DEFAULT_MODEL);
    for (const name of names) {
      const m = await resolveModel(name);
      expect(m.id).toMatch(/^[0-9a-f]{64}$/);
      expect(m.metadata.description?.length ?? 0).toBeGreaterThan(40);
      expect(m.metadata.defaults?.denoise?.steps).toBeGreaterThan(0);
      expect(m.metadata.defaults?.inpaint?.steps).toBeGreaterThan(0);
      const training = m.metadata.training as Record<string, unknown>;
      expect(training.data).toBeTruthy();
      if (training.kind === 'joint-score-matching') {
        // Trained priors carry their settings, length and validation figures (issue 4).
        expect(training.iterations).toBeGreaterThan(0);
        expect(training.settings).toMatchObject({ layers: m.architecture.layers.length });
        expect(Object.keys((training.validation as { sigma255: Record<string, number> }).sigma255)).toEqual(['15', '25', '50']);
      }
    }
  });
});
