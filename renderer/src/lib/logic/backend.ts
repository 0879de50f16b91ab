/**
 * What the app says about the compute backend: which one runs the jobs (GPU
 * or not), and a hint when a faster one could be installed. The engine picks
 * tensorflow (GPU, then CPU) → wasm → cpu and reports it once a job ran
 * (AppInfo.backend); the optional tensorflow packages install only where
 * their libtensorflow download works (AppInfo.tensorflowPackages).
 */
import type { AppInfo } from '../api/types.js';

export interface BackendSummary {
  /** e.g. "tensorflow on the GPU", "wasm on the CPU (1 thread)", or not yet known. */
  label: string;
  gpu: boolean;
  /** Set when the work is not on the fastest backend this machine could have. */
  hint: string | null;
}

const TFJS_GPU = '@tensorflow/tfjs-node-gpu';
const TFJS_CPU = '@tensorflow/tfjs-node';

export function backendSummary(info: Pick<AppInfo, 'backend' | 'gpu' | 'tensorflowPackages' | 'platform'>): BackendSummary {
  const b = info.backend;
  const gpu = info.gpu;
  const label = b
    ? `${b.name} on the ${gpu ? 'GPU' : 'CPU'}${!gpu && b.threads > 0 ? ` (${b.threads} thread${b.threads === 1 ? '' : 's'})` : ''}${b.package ? ` · ${b.package}` : ''}`
    : 'chosen when the first job runs (tensorflow → wasm → cpu)';
  if (gpu) return { label, gpu, hint: null };
  const gpuPossible = info.platform !== 'darwin'; // tfjs-node-gpu has no macOS build
  const { gpu: hasGpuPkg, cpu: hasCpuPkg } = info.tensorflowPackages;
  let hint: string | null = null;
  if (b && b.name === 'onnx') {
    // onnxruntime already uses every core; only a GPU would be faster.
    hint = gpuPossible && !hasGpuPkg ? `Running on the CPU (onnxruntime, all cores). With an NVIDIA GPU (CUDA 11.2, cuDNN 8.1), installing ${TFJS_GPU} can be faster still.` : null;
  } else if (b && b.name === 'tensorflow') {
    hint = gpuPossible && !hasGpuPkg ? `Running on the CPU. With an NVIDIA GPU (CUDA 11.2, cuDNN 8.1), installing ${TFJS_GPU} makes jobs several times faster.` : null;
  } else if (hasGpuPkg || hasCpuPkg) {
    hint = `${hasGpuPkg ? TFJS_GPU : TFJS_CPU} is installed but did not load${b ? `, so jobs run on ${b.name}` : ''}; Help → Open Log Folder shows why (often a missing CUDA or libtensorflow library).`;
  } else {
    hint = gpuPossible
      ? `A faster backend can be installed: ${TFJS_GPU} (NVIDIA GPU with CUDA 11.2 and cuDNN 8.1) or ${TFJS_CPU} (all CPU cores). Both are optional packages; without them jobs run on WebAssembly${b?.name === 'cpu' ? ' (here even the plain cpu backend, the slowest)' : ''}.`
      : `A faster backend can be installed: ${TFJS_CPU} (all CPU cores). It is an optional package; without it jobs run on WebAssembly${b?.name === 'cpu' ? ' (here even the plain cpu backend, the slowest)' : ''}.`;
  }
  return { label, gpu, hint };
}
