/**
 * Classical reference tools run beside our solvers in `gnc bench`
 * (design.md, "Reference tools for side-by-side benchmarks"): OpenCV through
 * the system Python (resources/bench/opencv_ref.py) and the G'MIC command
 * line. Both are optional; detection never throws, it says why a tool is
 * missing so the table can print "not installed".
 *
 * Tools read and write 8-bit PNG files. Each reports the seconds its own
 * algorithm took (OpenCV: time.perf_counter around the call; G'MIC: tic/toc),
 * so interpreter start-up and file I/O are not counted against them.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { GncError } from '../util/errors.js';
import { resourcesDir } from '../util/paths.js';

export type ReferenceToolId = 'opencv' | 'gmic';

export interface ReferencePaths {
  /** Python interpreter that has cv2 (default /usr/bin/python3, as design.md says). */
  python?: string;
  /** The gmic executable (default: `gmic` on PATH). */
  gmic?: string;
}

export interface ToolStatus {
  id: ReferenceToolId;
  available: boolean;
  version?: string;
  /** Why it is not available. */
  reason?: string;
  /** The command that was probed. */
  command: string;
}

export type ReferenceStatus = Record<ReferenceToolId, ToolStatus>;

export const DEFAULT_PYTHON = '/usr/bin/python3';
export const DEFAULT_GMIC = 'gmic';
const TOOL_TIMEOUT_MS = 10 * 60_000;

export function opencvScript(): string {
  return path.join(resourcesDir(), 'bench', 'opencv_ref.py');
}

interface ExecResult {
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], timeout = TOOL_TIMEOUT_MS): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, maxBuffer: 4 << 20, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const detail = (String(stderr).trim().split('\n').filter(Boolean).at(-1) ?? err.message).replace(/\x1b\[[0-9;]*m/g, '');
        reject(new GncError('io', `${path.basename(file)} ${args[0] ?? ''} failed: ${detail}`, { cause: err }));
      } else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Why a probe failed, in a few words. */
function whyFailed(err: unknown, file: string, otherwise: string): string {
  const cause = ((err as { cause?: unknown }).cause ?? err) as NodeJS.ErrnoException;
  if (cause?.code === 'ENOENT') return `${file} not found`;
  if (cause?.code === 'EACCES') return `${file} is not executable`;
  return otherwise;
}

/** Which reference tools run here. Never throws. */
export async function detectReferences(paths: ReferencePaths = {}): Promise<ReferenceStatus> {
  const python = paths.python ?? DEFAULT_PYTHON;
  const gmic = paths.gmic ?? DEFAULT_GMIC;
  const probeOpenCv = async (): Promise<ToolStatus> => {
    const command = `${python} -c "import cv2"`;
    try {
      const { stdout } = await run(python, ['-c', 'import cv2; print(cv2.__version__)'], 30_000);
      return { id: 'opencv', available: true, version: stdout.trim(), command };
    } catch (err) {
      return { id: 'opencv', available: false, reason: whyFailed(err, python, 'cv2 does not import'), command };
    }
  };
  const probeGmic = async (): Promise<ToolStatus> => {
    const command = `${gmic} -v -1 echo_stdout '$_version'`;
    try {
      const { stdout } = await run(gmic, ['-v', '-1', 'echo_stdout', '$_version'], 30_000);
      const digits = stdout.trim();
      // G'MIC reports 2.9.4 as 294.
      const version = /^\d{3,}$/.test(digits) ? `${digits[0]}.${digits[1]}.${digits.slice(2)}` : digits;
      return { id: 'gmic', available: true, version, command };
    } catch (err) {
      return { id: 'gmic', available: false, reason: whyFailed(err, gmic, (err as Error).message), command };
    }
  };
  const [opencv, gmicStatus] = await Promise.all([probeOpenCv(), probeGmic()]);
  return { opencv, gmic: gmicStatus };
}

// ---------------------------------------------------------------- parameters

/** h/σ for OpenCV NLM, tuned on Set12 (design.md) at σ = 15, 25, 50. */
const NLM_RATIO: ReadonlyArray<readonly [number, number]> = [
  [15, 1.0],
  [25, 0.96],
  [50, 0.8],
];

/**
 * OpenCV NLM filter strength h for noise σ (0–255 scale): h/σ interpolated
 * linearly in σ between the tuned points and held constant outside them.
 */
export function nlmStrength(sigma255: number): number {
  const first = NLM_RATIO[0]!;
  const last = NLM_RATIO.at(-1)!;
  let ratio: number;
  if (sigma255 <= first[0]) ratio = first[1];
  else if (sigma255 >= last[0]) ratio = last[1];
  else {
    let i = 1;
    while (NLM_RATIO[i]![0] < sigma255) i++;
    const [s0, r0] = NLM_RATIO[i - 1]!;
    const [s1, r1] = NLM_RATIO[i]!;
    ratio = r0 + ((r1 - r0) * (sigma255 - s0)) / (s1 - s0);
  }
  return ratio * sigma255;
}

/** G'MIC `denoise` spatial/range parameters: 5,R,5,10,1,0 with R = 0.4σ (design.md). */
export function gmicDenoiseArgs(sigma255: number): string {
  return `5,${Number((0.4 * sigma255).toFixed(4))},5,10,1,0`;
}

/** Neighbourhood radius for cv2.inpaint (OpenCV's documented example value). */
export const OPENCV_INPAINT_RADIUS = 3;

// ---------------------------------------------------------------- running

function parseSeconds(stdout: string, what: string): Record<string, number> {
  try {
    const value = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    if (typeof value === 'object' && value) return value;
  } catch {
    // fall through
  }
  throw new GncError('io', `${what} printed ${JSON.stringify(stdout.slice(0, 200))} where a JSON timing was expected`);
}

/** OpenCV NLM on an 8-bit PNG; returns the seconds of the cv2 call. */
export async function runOpenCvNlm(input: string, output: string, sigma255: number, paths: ReferencePaths = {}): Promise<number> {
  const { stdout } = await run(paths.python ?? DEFAULT_PYTHON, [opencvScript(), 'nlm', input, output, String(nlmStrength(sigma255))]);
  return parseSeconds(stdout, 'opencv_ref.py nlm').seconds!;
}

/** OpenCV Telea and Navier–Stokes inpainting; mask PNG non-zero = fill in. */
export async function runOpenCvInpaint(
  input: string,
  mask: string,
  outputs: { telea: string; ns: string },
  paths: ReferencePaths = {},
): Promise<{ telea: number; ns: number }> {
  const { stdout } = await run(paths.python ?? DEFAULT_PYTHON, [
    opencvScript(),
    'inpaint',
    input,
    mask,
    outputs.telea,
    outputs.ns,
    String(OPENCV_INPAINT_RADIUS),
  ]);
  const s = parseSeconds(stdout, 'opencv_ref.py inpaint');
  return { telea: s.telea!, ns: s.ns! };
}

function gmicSeconds(stdout: string): number {
  const t = Number(stdout.trim().split('\n').at(-1));
  if (!Number.isFinite(t)) throw new GncError('io', `gmic printed ${JSON.stringify(stdout.slice(0, 200))} where its tic/toc time was expected`);
  return t;
}

/** `gmic -v -1 in.png denoise 5,R,5,10,1,0 cut 0,255 round o out.png`, timing the denoise alone. */
export async function runGmicDenoise(input: string, output: string, sigma255: number, paths: ReferencePaths = {}): Promise<number> {
  const { stdout } = await run(paths.gmic ?? DEFAULT_GMIC, [
    '-v', '-1', input,
    'tic', 'denoise', gmicDenoiseArgs(sigma255), 'toc', 't=${}',
    'cut', '0,255', 'round', 'o', output,
    'echo_stdout', '$t',
  ]);
  return gmicSeconds(stdout);
}

/** `gmic in.png mask.png inpaint_pde[0] [1]` (defaults: 75 % scales, Delaunay-guided, 20 iterations). */
export async function runGmicInpaint(input: string, mask: string, output: string, paths: ReferencePaths = {}): Promise<number> {
  const { stdout } = await run(paths.gmic ?? DEFAULT_GMIC, [
    '-v', '-1', input, mask,
    'tic', 'inpaint_pde[0]', '[1]', 'toc', 't=${}',
    'keep[0]', 'cut', '0,255', 'round', 'o', output,
    'echo_stdout', '$t',
  ]);
  return gmicSeconds(stdout);
}
