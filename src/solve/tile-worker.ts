/**
 * A tile-pool worker thread: builds its tile kernel once (its own tfjs-wasm
 * instance and model), then evaluates work items of each evaluation until
 * none are left. A work item is one sample of one tile; items are taken from
 * a shared counter, so faster workers simply take more.
 */
import { parentPort } from 'node:worker_threads';
import type { TileKernel, TileKernelFactory } from './tile-kernel.js';
import { CTRL, ERROR_BYTES, type EvaluateMessage, type FromTileWorker, type ToTileWorker } from './tile-protocol.js';
import { tileGrid } from './tiled-prior.js';
import type { Shape4 } from '../prior/conv.js';

const port = parentPort;
if (!port) throw new Error('tile-worker must run in a worker thread');

let kernel: TileKernel | undefined;
let index = 0;
let current: EvaluateMessage | undefined;
const send = (message: FromTileWorker) => port.postMessage(message);

function fail(message: EvaluateMessage, text: string): void {
  const ctrl = new Int32Array(message.ctrl);
  if (Atomics.compareExchange(ctrl, CTRL.error, 0, index + 1) === 0) {
    const bytes = new TextEncoder().encode(text).subarray(0, ERROR_BYTES - 4);
    new Int32Array(message.errorText, 0, 1)[0] = bytes.length;
    new Uint8Array(message.errorText, 4, ERROR_BYTES - 4).set(bytes);
  }
  Atomics.store(ctrl, CTRL.stop, 1);
}

function leave(message: EvaluateMessage): void {
  const ctrl = new Int32Array(message.ctrl);
  Atomics.add(ctrl, CTRL.finished, 1);
  Atomics.add(ctrl, CTRL.events, 1);
  Atomics.notify(ctrl, CTRL.events);
}

async function evaluate(message: EvaluateMessage): Promise<void> {
  const k = kernel!;
  const { shape, tile, want } = message;
  const { n, h, w, c } = shape;
  const x = new Float32Array(message.x, message.xOffset, n * h * w * c);
  const gradX = message.gradX ? new Float32Array(message.gradX) : undefined;
  const sums = new Float64Array(message.sums);
  const ctrl = new Int32Array(message.ctrl);
  const tiles = tileGrid(h, w, tile);
  const items = tiles.length * n;
  const halo = k.halo;
  for (;;) {
    if (Atomics.load(ctrl, CTRL.stop) !== 0) return;
    const item = Atomics.add(ctrl, CTRL.next, 1);
    if (item >= items) return;
    const inner = tiles[Math.floor(item / n)]!;
    const b = item % n;
    const top = Math.max(0, inner.top - halo);
    const left = Math.max(0, inner.left - halo);
    const bottom = Math.min(h, inner.top + inner.height + halo);
    const right = Math.min(w, inner.left + inner.width + halo);
    const sub: Shape4 = { n: 1, h: bottom - top, w: right - left, c };
    const patch = new Float32Array(sub.h * sub.w * c);
    for (let y = 0; y < sub.h; y++) {
      const from = ((b * h + top + y) * w + left) * c;
      patch.set(x.subarray(from, from + sub.w * c), y * sub.w * c);
    }
    const region = { top: inner.top - top, left: inner.left - left, height: inner.height, width: inner.width };
    const part = await k.evaluate(patch, sub, [message.t[b]!], { ...want, region });
    if (gradX) {
      if (!part.gradX) throw new Error('the tile kernel returned no gradX');
      for (let y = 0; y < inner.height; y++) {
        const from = ((region.top + y) * sub.w + region.left) * c;
        const to = ((b * h + inner.top + y) * w + inner.left) * c;
        gradX.set(part.gradX.subarray(from, from + inner.width * c), to);
      }
    }
    if (want.energy) sums[item] = part.energy![0]!;
    if (want.gradT) sums[items + item] = part.gradT![0]!;
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.add(ctrl, CTRL.events, 1);
    Atomics.notify(ctrl, CTRL.events);
  }
}

// A worker that exits in the middle of an evaluation (process.exit in a
// kernel) must not leave the caller waiting for it.
process.on('exit', () => {
  if (current) {
    fail(current, `tile worker ${index} exited during an evaluation`);
    leave(current);
  }
});

port.on('message', (message: ToTileWorker) => {
  if (message.type === 'init') {
    index = message.index;
    import(message.kernel.module)
      .then(async (module: { createTileKernel?: TileKernelFactory }) => {
        if (typeof module.createTileKernel !== 'function') throw new Error(`${message.kernel.module} exports no createTileKernel`);
        kernel = await module.createTileKernel(message.kernel.options);
        send({ type: 'ready', halo: kernel.halo });
      })
      .catch((err: unknown) => send({ type: 'init-error', message: err instanceof Error ? err.message : String(err) }));
    return;
  }
  current = message;
  evaluate(message)
    .catch((err: unknown) => fail(message, err instanceof Error ? err.message : String(err)))
    .finally(() => {
      current = undefined;
      leave(message);
    });
});
