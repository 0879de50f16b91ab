// Entry of the engine host process (engine-host.ts): the engine is TypeScript
// run through tsx, as bin/gnc.js and the job workers do.
import { register } from 'tsx/esm/api';

register();
const { runEngineHost } = await import('./engine-host.ts');
await runEngineHost();
