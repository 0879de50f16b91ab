/**
 * Messages between the Electron main process and the engine host (a plain
 * Node child process, see engine-host.ts): calls with a sequence id, replies
 * that carry a value or an ApiError, resource fetches, and pushed events.
 * Sent over Node's IPC channel with 'advanced' serialization, so byte arrays
 * (uploads, images) cross as they are, without base64.
 */
import type { ApiError, EngineEvent } from './engine-api.js';

/** A resource as bytes: what the host answers for a ResourcePath. */
export interface ResourceBytes {
  mime: string;
  bytes: Uint8Array;
  fileName?: string;
}

export type ToHost =
  | { type: 'call'; id: number; name: string; args: unknown[] }
  | { type: 'resource'; id: number; path: string; query: string }
  | { type: 'shutdown' };

export type FromHost =
  | { type: 'ready'; pid: number }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: ApiError }
  | { type: 'event'; event: EngineEvent };
