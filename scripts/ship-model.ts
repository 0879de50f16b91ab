/**
 * Prepares a trained model for resources/models: copies it under its shipped
 * name with solver defaults measured for it and a description, keeping its
 * identity (metadata is not part of the hash), and appends benchmark figures
 * if given.
 *
 *   npx tsx scripts/ship-model.ts --from checkpoints/x.gncm --name grey-l1 \
 *     --description "…" --defaults '{"denoise":{…},"inpaint":{…}}' [--figures '{…}']
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeModel, loadModelFile, type ModelMetadata } from '../src/prior/model-file.js';
import { writeFileAtomic } from '../src/util/atomic.js';
import { modelsDir } from '../src/util/paths.js';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    defaults: { type: 'string' },
    figures: { type: 'string' },
    data: { type: 'string' },
  },
});
if (!values.from || !values.name) throw new Error('usage: ship-model --from FILE --name NAME [--description …] [--defaults JSON] [--figures JSON] [--data TEXT]');
const model = await loadModelFile(values.from);
const training = { ...(model.metadata.training ?? {}) } as Record<string, unknown>;
if (values.data) training.data = values.data;
const metadata: ModelMetadata = {
  ...model.metadata,
  name: values.name,
  ...(values.description ? { description: values.description } : {}),
  ...(values.defaults ? { defaults: JSON.parse(values.defaults) as ModelMetadata['defaults'] } : {}),
  ...(values.figures ? { figures: JSON.parse(values.figures) as unknown } : {}),
  training,
};
const bytes = encodeModel(model.architecture, model.parameters, metadata);
const out = path.join(modelsDir(), `${values.name}.gncm`);
await writeFileAtomic(out, bytes);
const check = await loadModelFile(out);
if (check.id !== model.id) throw new Error(`identity changed: ${model.id} → ${check.id}`);
console.error(`wrote ${out} (id ${check.id.slice(0, 12)}, ${bytes.length} bytes)`);
