/**
 * Engine events to every listener (SSE streams, the Electron broker), each
 * numbered so a client can tell it missed some. A listener that throws is
 * dropped rather than allowed to stop the others from hearing.
 */
import type { EngineEvent, EngineEventListener } from './engine-api.js';

/** An event before it is numbered (distributes over the union, keeping each member's fields). */
export type UnnumberedEvent = EngineEvent extends infer E ? (E extends EngineEvent ? Omit<E, 'seq'> : never) : never;

export class EventHub {
  readonly #listeners = new Set<EngineEventListener>();
  #seq = 0;

  get seq(): number {
    return this.#seq;
  }

  subscribe(listener: EngineEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: UnnumberedEvent): EngineEvent {
    const numbered = { ...event, seq: ++this.#seq } as EngineEvent;
    for (const listener of [...this.#listeners]) {
      try {
        listener(numbered);
      } catch (err) {
        this.#listeners.delete(listener);
        process.emitWarning(`an engine event listener failed and was removed: ${(err as Error).message}`);
      }
    }
    return numbered;
  }
}
