import { createRequire } from 'node:module';
import { selectBackend, type BackendName } from '../../src/engine/backend.js';

const require = createRequire(import.meta.url);

/** Whether tfjs-node-gpu or tfjs-node is installed here (they are optional dependencies). */
export function tensorflowInstalled(): boolean {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      // not this one
    }
  }
  return false;
}

/** Whether the optional tensorflow backend can be loaded in this install. */
export async function tensorflowAvailable(): Promise<boolean> {
  try {
    await selectBackend('tensorflow');
    return true;
  } catch {
    return false;
  }
}

/**
 * Backends every numerical test runs on: cpu and wasm always, tensorflow
 * where tfjs-node(-gpu) is installed and loads (probed once, when a suite
 * imports this; an install that does not load is reported, not hidden).
 */
export const TEST_BACKENDS: BackendName[] = ['cpu', 'wasm'];
if (tensorflowInstalled()) {
  if (await tensorflowAvailable()) TEST_BACKENDS.push('tensorflow');
  else console.warn('[backends] tfjs-node(-gpu) is installed but does not load here; numerical tests run on cpu and wasm only (gnc denoise --backend tensorflow says why)');
}

export async function useBackend(name: BackendName): Promise<void> {
  const info = await selectBackend(name);
  if (info.name !== name) throw new Error(`wanted ${name}, got ${info.name}`);
}
