import { selectBackend, type BackendName } from '../../src/engine/backend.js';

/** Backends every numerical test runs on; tensorflow joins when it loads here. */
export const TEST_BACKENDS: BackendName[] = ['cpu', 'wasm'];

export async function useBackend(name: BackendName): Promise<void> {
  const info = await selectBackend(name);
  if (info.name !== name) throw new Error(`wanted ${name}, got ${info.name}`);
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
