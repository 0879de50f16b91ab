/**
 * `npm run dist:check`: checks the packaging configuration (electron-builder.yml)
 * offline, without Electron's download servers.
 *
 * It stages a copy of the app in a temporary folder (so it never touches
 * dist-electron/, renderer/dist/ or dist/ of the working tree, which other
 * commands and tests use), compiles the main process and preload into it,
 * builds the page into it, and runs electron-builder's `--dir` packaging for
 * Linux with a stand-in Electron distribution (`electronDist`: a folder with
 * an `electron` executable, which is all the unpacked-directory target copies
 * and renames) and `npmRebuild: false` (rebuilding the native modules for
 * Electron needs Electron's headers, a download). Then it asserts that
 *
 *   - app.asar holds the compiled main process (package.json "main"), the
 *     preload and the built page with every asset its index.html names, and
 *     no development-only packages;
 *   - the engine's files are unpacked beside it (app.asar.unpacked: src/,
 *     the engine host entry, tsx, the native modules' binaries);
 *   - the extra resources are in place: every shipped prior and schedule of
 *     resources/, the sample photo and the window icon;
 *   - the executable is named as configured, the icons of every platform are
 *     valid files and the file associations cover PNG, JPEG and TIFF.
 *
 * Prints one line per check and exits 1 on the first failure.
 * Options: --keep (keep the staging folder and print its path).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Asar {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  statFile(archive: string, file: string, followLinks?: boolean): { unpacked?: boolean; size?: number };
  extractFile(archive: string, file: string): Buffer;
}
interface FileAssociation {
  ext: string | string[];
  mimeType?: string;
}
export interface BuilderConfig {
  appId?: string;
  productName?: string;
  files?: string[];
  asar?: boolean;
  asarUnpack?: string[];
  extraResources?: Array<{ from: string; to: string; filter?: string[] }>;
  fileAssociations?: FileAssociation[];
  npmRebuild?: boolean;
  linux?: { target?: string[]; icon?: string; executableName?: string };
  win?: { target?: string[]; icon?: string };
  mac?: { target?: string[]; icon?: string };
  [key: string]: unknown;
}

export interface DistCheckResult {
  stagingDir: string;
  appOutDir: string;
  asarFiles: string[];
  checks: string[];
  seconds: { build: number; package: number };
}

/** electron-builder.yml as an object (js-yaml comes with electron-builder). */
export function loadBuilderConfig(file = path.join(root, 'electron-builder.yml')): BuilderConfig {
  const yaml = require('js-yaml') as { load(text: string): unknown };
  return yaml.load(readFileSync(file, 'utf8')) as BuilderConfig;
}

export class CheckFailed extends Error {}

/** devDependencies no production package needs: none may be in the app. */
const DEV_ONLY = ['electron', 'electron-builder', 'vite', 'vitest', 'svelte', 'typescript', 'playwright-core', 'jsdom'];

function check(checks: string[], ok: unknown, what: string, detail = ''): void {
  if (!ok) throw new CheckFailed(`dist:check: FAILED: ${what}${detail ? ` (${detail})` : ''}`);
  checks.push(what);
}

/** The stand-in Electron distribution: what the unpacked Linux target copies (its `electron` executable, renamed). */
export function makeFakeElectronDist(dir: string, version: string): string {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  mkdirSync(path.join(dir, 'locales'), { recursive: true });
  const exe = path.join(dir, 'electron');
  writeFileSync(exe, '#!/bin/sh\necho "stand-in Electron for dist:check; it cannot run the app" >&2\nexit 1\n');
  chmodSync(exe, 0o755);
  writeFileSync(path.join(dir, 'version'), `${version}\n`);
  writeFileSync(path.join(dir, 'LICENSE'), 'Stand-in for the Electron distribution (dist:check).\n');
  return dir;
}

/** The files of the icons every platform's installer uses: PNG set, .ico and .icns headers. */
export function checkIcons(checks: string[], config: BuilderConfig): void {
  const pngDir = path.join(root, config.linux?.icon ?? 'missing');
  const pngs = existsSync(pngDir) ? readdirSync(pngDir).filter((f) => /^\d+x\d+\.png$/.test(f)) : [];
  check(checks, pngs.includes('512x512.png') && pngs.includes('16x16.png'), `Linux icon set ${config.linux?.icon} has 16…512 px PNGs`, pngs.join(', '));
  const ico = readFileSync(path.join(root, config.win?.icon ?? 'missing'));
  const icoCount = ico.readUInt16LE(4);
  check(checks, ico.readUInt16LE(0) === 0 && ico.readUInt16LE(2) === 1 && icoCount >= 4, `Windows icon ${config.win?.icon} is an .ico with ${icoCount} sizes`);
  // The 256 px entry (width byte 0) is what NSIS and Explorer need.
  const has256 = Array.from({ length: icoCount }, (_, i) => ico.readUInt8(6 + 16 * i)).includes(0);
  check(checks, has256, `${config.win?.icon} has a 256 px entry`);
  const icns = readFileSync(path.join(root, config.mac?.icon ?? 'missing'));
  check(checks, icns.toString('ascii', 0, 4) === 'icns' && icns.readUInt32BE(4) === icns.length, `macOS icon ${config.mac?.icon} is an .icns of ${icns.length} bytes`);
  check(checks, icns.includes(Buffer.from('ic10')), `${config.mac?.icon} has the 1024 px entry (ic10)`);
}

export function checkConfig(checks: string[], config: BuilderConfig): void {
  check(checks, config.appId === 'org.gncstudio.app' && config.productName === 'GNC Studio', `app id ${config.appId}, product name ${config.productName}`);
  check(checks, config.linux?.target?.includes('AppImage') && config.linux?.target?.includes('deb'), 'Linux targets: AppImage and deb');
  check(checks, config.win?.target?.includes('nsis'), 'Windows target: NSIS');
  check(checks, config.mac?.target?.includes('dmg'), 'macOS target: dmg');
  const exts = new Set((config.fileAssociations ?? []).flatMap((a) => (Array.isArray(a.ext) ? a.ext : [a.ext])));
  const missing = ['png', 'jpg', 'jpeg', 'tif', 'tiff'].filter((e) => !exts.has(e));
  check(checks, missing.length === 0, 'file associations: png, jpg, jpeg, tif, tiff', missing.length ? `missing ${missing.join(', ')}` : '');
  check(checks, config.npmRebuild === true, 'npmRebuild: native modules are rebuilt for Electron when packaging (not here, not in npm install)');
  check(checks, config.asar === true, 'asar: true');
}

function run(cmd: string, args: string[], cwd: string, what: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new CheckFailed(`dist:check: FAILED: ${what}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * Stages the app (compiled main and preload, built page, engine sources,
 * package.json, the configuration; node_modules linked, not copied).
 */
export function stageApp(staging: string): void {
  for (const f of ['electron-builder.yml', 'tsconfig.json']) cpSync(path.join(root, f), path.join(staging, f));
  // node_modules is the project's, linked: npm's own listing cannot follow a linked node_modules (it sees the
  // packages as links with their dependencies missing), so electron-builder is told to walk node_modules by Node's
  // resolution instead (its "traversal" collector, also its fallback for npm). `npm run dist` lists them with npm.
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify({ ...pkg, packageManager: 'traversal@1.0.0' }, null, 2)}\n`);
  for (const d of ['src', 'bin', 'electron']) cpSync(path.join(root, d), path.join(staging, d), { recursive: true });
  for (const d of ['models', 'schedules', 'samples', 'icons']) cpSync(path.join(root, 'resources', d), path.join(staging, 'resources', d), { recursive: true });
  cpSync(path.join(root, 'renderer'), path.join(staging, 'renderer'), { recursive: true, filter: (src) => !/[\\/]renderer[\\/](dist|node_modules)$/.test(src) });
  symlinkSync(path.join(root, 'node_modules'), path.join(staging, 'node_modules'), 'junction');
  const node = process.execPath;
  run(node, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'electron/tsconfig.json'], staging, 'compiling the main process and preload (tsc -p electron/tsconfig.json)');
  run(node, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], staging, 'building the page (vite build)');
}

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const st = statSync(full);
        out.set(full, `${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

async function smokeTestEngine(checks: string[], where: { unpacked: string; resources: string; appOutDir: string; home: string }): Promise<void> {
  const { EngineClient } = await import('../src/app/engine-client.js');
  const before = snapshot(where.appOutDir);
  const env: NodeJS.ProcessEnv = { ...process.env, GNC_HOME: where.home, GNC_RESOURCES: where.resources, GNC_LOG_DIR: path.join(where.home, 'logs') };
  delete env.GNC_LIBRARY;
  let output = '';
  let client: Awaited<ReturnType<typeof EngineClient.start>>;
  try {
    client = await EngineClient.start({ entry: path.join(where.unpacked, 'src', 'app', 'engine-host-entry.mjs'), env, output: (t) => (output += t), startTimeoutMs: 120_000 });
  } catch (err) {
    throw new CheckFailed(`dist:check: FAILED: the packed engine did not start: ${(err as Error).message}\n${output}`);
  }
  try {
    const info = (await client.call('info', [])) as { libraryPath: string; version: string };
    check(checks, info.libraryPath.startsWith(where.home), `the packed engine runs and keeps its library in the user data folder (${path.basename(info.libraryPath)})`);
    const welcome = (await client.call('welcome', [])) as { show: boolean; shippedModels: number; sampleAvailable: boolean };
    const shipped = readdirSync(path.join(where.resources, 'models')).filter((f) => f.endsWith('.gncm')).length;
    check(checks, welcome.show && welcome.shippedModels === shipped && welcome.sampleAvailable, `first run of the packed engine: ${welcome.shippedModels} shipped models registered from resources/, sample photo found, welcome to show`);
    const schedules = (await client.call('listSchedules', [])) as unknown[];
    check(checks, schedules.length === readdirSync(path.join(where.resources, 'schedules')).length, `the packed engine registered the ${schedules.length} shipped schedules`);
    const sample = (await client.call('openSample', [])) as { width: number; height: number };
    check(checks, sample.width === 384 && sample.height === 256, 'the packed engine opens the sample photo (sharp loads from the package)');
  } finally {
    await client.close();
  }
  check(checks, existsSync(path.join(where.home, 'logs', 'engine.log')), 'the packed engine logged to logs/engine.log in the user data folder');
  const after = snapshot(where.appOutDir);
  const changed = [...after].filter(([f, v]) => before.get(f) !== v).map(([f]) => path.relative(where.appOutDir, f));
  check(checks, changed.length === 0 && after.size === before.size, 'the packed engine wrote nothing inside the installed app', changed.slice(0, 5).join(', '));
}

export async function distCheck(options: { keep?: boolean; log?: (line: string) => void } = {}): Promise<DistCheckResult> {
  const log = options.log ?? (() => {});
  const checks: string[] = [];
  const config = loadBuilderConfig();
  checkConfig(checks, config);
  checkIcons(checks, config);

  const base = mkdtempSync(path.join(tmpdir(), 'gnc-dist-check-'));
  const staging = path.join(base, 'app');
  mkdirSync(staging);
  try {
    const t0 = Date.now();
    stageApp(staging);
    const built = (Date.now() - t0) / 1000;
    log(`dist:check: staged and built the app in ${built.toFixed(1)} s (${staging})`);

    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; devDependencies?: Record<string, string> };
    const electronVersion = (JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
    const fakeDist = makeFakeElectronDist(path.join(base, 'electron-dist'), electronVersion);
    const output = path.join(base, 'out');

    const t1 = Date.now();
    const builder = require('electron-builder') as {
      build(options: { projectDir: string; targets: unknown; config: object; publish: 'never' }): Promise<string[]>;
      Platform: { LINUX: { createTarget(type: string, ...archs: number[]): unknown } };
      Arch: { x64: number; arm64: number };
    };
    const arch = process.arch === 'arm64' ? builder.Arch.arm64 : builder.Arch.x64;
    await builder.build({
      projectDir: staging,
      targets: builder.Platform.LINUX.createTarget('dir', arch),
      // Merged over electron-builder.yml: the stand-in Electron, no native rebuild, output in the staging folder.
      // A production dependency missing from the package fails the build instead of a warning.
      config: { electronDist: fakeDist, electronVersion, npmRebuild: false, directories: { output }, allowMissingDependencies: false },
      publish: 'never',
    });
    const packaged = (Date.now() - t1) / 1000;
    log(`dist:check: electron-builder --dir (linux, stand-in electronDist, npmRebuild false) in ${packaged.toFixed(1)} s`);

    const appOutDir = path.join(output, arch === builder.Arch.arm64 ? 'linux-arm64-unpacked' : 'linux-unpacked');
    const resources = path.join(appOutDir, 'resources');
    const archive = path.join(resources, 'app.asar');
    check(checks, existsSync(archive), 'resources/app.asar exists');
    const asar = require('@electron/asar') as Asar;
    const asarFiles = asar.listPackage(archive, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
    const inAsar = (f: string) => asarFiles.includes(f) && !asar.statFile(archive, f.slice(1)).unpacked;

    // The Electron side, packed.
    const main = `/${pkg.main.replace(/^\.\//, '')}`;
    check(checks, inAsar(main), `app.asar holds the main process ${main}`);
    check(checks, inAsar('/dist-electron/electron/preload.cjs'), 'app.asar holds the preload /dist-electron/electron/preload.cjs');
    check(checks, inAsar('/dist-electron/src/app/engine-client.js'), 'app.asar holds the engine client the main process imports');
    // Everything the main process and preload import is packed too (relative imports), or is Node's or Electron's own.
    const packedJs = asarFiles.filter((f) => /^\/dist-electron\/.*\.c?js$/.test(f));
    const unresolved: string[] = [];
    for (const f of packedJs) {
      const code = asar.extractFile(archive, f.slice(1)).toString('utf8');
      for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) {
          if (!inAsar(path.posix.join(path.posix.dirname(f), spec))) unresolved.push(`${f} → ${spec}`);
        } else if (!spec.startsWith('node:') && spec !== 'electron') unresolved.push(`${f} → ${spec} (a package)`);
      }
    }
    check(checks, packedJs.length >= 10 && unresolved.length === 0, `the ${packedJs.length} packed main-process files import only packed files, node: modules and electron`, unresolved.join('; '));
    const packedPkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main: string };
    check(checks, packedPkg.main === pkg.main, `the packed package.json names main ${pkg.main}`);
    check(checks, inAsar('/renderer/dist/index.html'), 'app.asar holds the page /renderer/dist/index.html');
    const html = asar.extractFile(archive, 'renderer/dist/index.html').toString('utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `/renderer/dist/${m[1]}`);
    check(checks, assets.length >= 2 && assets.every(inAsar), `app.asar holds the page's ${assets.length} assets`, assets.filter((a) => !inAsar(a)).join(', '));
    check(checks, html.includes('Content-Security-Policy'), 'the packed page carries its CSP');
    check(checks, !asarFiles.some((f) => /^\/(dist-electron|renderer)\/.*\.map$/.test(f)), 'no source maps of the main process or page packed');
    // (Some devDependencies, such as @types/node, are also needed by production packages and rightly come along.)
    const devOnly = DEV_ONLY.filter((d) => d in (pkg.devDependencies ?? {}) && asarFiles.includes(`/node_modules/${d}`));
    check(checks, devOnly.length === 0, `no development tools packed (${DEV_ONLY.join(', ')})`, devOnly.join(', '));

    // The engine, unpacked.
    const unpacked = path.join(resources, 'app.asar.unpacked');
    for (const f of ['src/app/engine-host-entry.mjs', 'src/app/engine-host.ts', 'src/jobs/worker-entry.mjs', 'package.json', 'node_modules/tsx/package.json', 'node_modules/esbuild/package.json', 'node_modules/better-sqlite3/package.json', 'node_modules/sharp/package.json']) {
      check(checks, existsSync(path.join(unpacked, f)), `app.asar.unpacked/${f}`);
    }
    const sqlite = path.join(unpacked, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    check(checks, existsSync(sqlite), 'better-sqlite3 native binary unpacked (rebuilt for Electron by `npm run dist`, not here)');

    // Extra resources.
    for (const [dir, ext] of [['models', '.gncm'], ['schedules', '.gncs'], ['samples', '.png']] as const) {
      const want = readdirSync(path.join(root, 'resources', dir)).filter((f) => f.endsWith(ext)).sort();
      const got = existsSync(path.join(resources, dir)) ? readdirSync(path.join(resources, dir)).sort() : [];
      check(checks, want.length > 0 && JSON.stringify(want) === JSON.stringify(got), `resources/${dir}: ${got.join(', ')}`, `expected ${want.join(', ')}`);
      for (const f of want) {
        check(checks, statSync(path.join(resources, dir, f)).size === statSync(path.join(root, 'resources', dir, f)).size, `resources/${dir}/${f} is a full copy`);
      }
    }
    check(checks, existsSync(path.join(resources, 'icons', '512x512.png')), 'resources/icons/512x512.png (window icon)');
    const exe = path.join(appOutDir, config.linux?.executableName ?? 'gnc-studio');
    check(checks, existsSync(exe) && (statSync(exe).mode & 0o111) !== 0, `executable ${path.basename(exe)}`);

    // The packed engine itself, started from app.asar.unpacked as the packaged main process starts it (runtime-paths.ts),
    // but under this Node instead of Electron-as-Node (no Electron here; without the native rebuild its modules are this
    // Node's): it must find everything it needs in the package, the shipped files through GNC_RESOURCES, and write
    // only to the user data folder.
    const t2 = Date.now();
    await smokeTestEngine(checks, { unpacked, resources, appOutDir, home: path.join(base, 'user-data') });
    log(`dist:check: started the packed engine from app.asar.unpacked in ${((Date.now() - t2) / 1000).toFixed(1)} s`);

    return { stagingDir: base, appOutDir, asarFiles, checks, seconds: { build: built, package: packaged } };
  } finally {
    if (!options.keep) rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const keep = process.argv.includes('--keep');
  try {
    const result = await distCheck({ keep, log: (l) => console.log(l) });
    for (const c of result.checks) console.log(`  ok  ${c}`);
    console.log(`dist:check: ${result.checks.length} checks passed${keep ? `; staging kept in ${result.stagingDir}` : ''}`);
  } catch (err) {
    console.error(err instanceof CheckFailed ? err.message : err);
    process.exit(1);
  }
}
