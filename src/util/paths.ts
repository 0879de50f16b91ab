/**
 * Where things live. The user's data folder matches Electron's
 * app.getPath('userData') for "GNC Studio" without needing Electron, so the
 * CLI and the app share one library (design.md); GNC_HOME overrides it.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_NAME = 'GNC Studio';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.GNC_HOME) return path.resolve(env.GNC_HOME);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}

/** The project root (where package.json and resources/ are), from this file's location. */
export function projectRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/**
 * The shipped resources (models/, schedules/, samples/): GNC_RESOURCES when
 * set (the packaged app sets it to Electron's process.resourcesPath, where
 * the installers put them), else resources/ in the project.
 */
export function resourcesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GNC_RESOURCES ? path.resolve(env.GNC_RESOURCES) : path.join(projectRoot(), 'resources');
}

/** The project's own sample photo (scripts/make-sample-image.ts), shown on first run. */
export function samplePhoto(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(resourcesDir(env), 'samples', 'sample.png');
}

export function modelsDir(): string {
  return path.join(resourcesDir(), 'models');
}

/** Benchmark and training images: GNC_DATA_DIR, else ../shared/data beside the clone. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GNC_DATA_DIR ? path.resolve(env.GNC_DATA_DIR) : path.resolve(projectRoot(), '..', 'shared', 'data');
}
