// Entry of a tile-pool worker thread: the engine is TypeScript run through tsx
// (as bin/gnc.js does), and loader hooks must be registered in each thread.
import { register } from 'tsx/esm/api';

register();
await import('./tile-worker.ts');
