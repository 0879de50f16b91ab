/** `gnc models`: the shipped priors with their identity, architecture and provenance. */
import type { Command } from 'commander';
import { DEFAULT_MODEL, resolveModel, shippedModels } from '../prior/registry.js';

export function addModelsCommand(program: Command): void {
  program
    .command('models')
    .description('List the shipped priors (the default is marked *)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = [];
      for (const { name } of shippedModels()) {
        const m = await resolveModel(name);
        rows.push({
          name,
          default: name === DEFAULT_MODEL,
          id: m.id,
          layers: m.architecture.layers.length,
          features: m.architecture.layers.map((l) => l.features),
          inChannels: m.architecture.inChannels,
          sigmaRange: [Math.exp(m.architecture.layers.at(-1)!.spline.tMin) * 255, Math.exp(m.architecture.layers.at(-1)!.spline.tMax) * 255],
          description: m.metadata.description,
          path: m.path,
        });
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      for (const r of rows) {
        process.stdout.write(
          `${r.default ? '*' : ' '} ${r.name}  id ${r.id.slice(0, 12)}  ${r.layers} layer(s), ${r.features.join('/')} features, ` +
            `σ ${r.sigmaRange[0]!.toFixed(1)}–${r.sigmaRange[1]!.toFixed(0)} (0–255)\n    ${r.description ?? ''}\n`,
        );
      }
    });
}
