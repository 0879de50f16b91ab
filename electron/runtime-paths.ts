/**
 * Where the app finds its parts and where it writes, in development and when
 * packaged by electron-builder (electron-builder.yml). Plain data in and out,
 * so it is tested without Electron; main.ts passes Electron's values.
 *
 *   development  (npm start)   packaged
 *   page         renderer/dist               app.asar/renderer/dist
 *   engine       system node (GNC_NODE)       Electron itself as Node (ELECTRON_RUN_AS_NODE),
 *                  + src/app/engine-host-entry.mjs   + app.asar.unpacked/src/app/engine-host-entry.mjs
 *   resources    resources/ of the project    process.resourcesPath (models/, schedules/, samples/, icons/)
 *
 * Everything written goes under the user's data folder (app.getPath('userData'),
 * which main.ts sets to the same folder the CLI uses): the library, sessions,
 * checkpoints and logs/. The engine learns it through GNC_HOME unless the user
 * set GNC_HOME themselves.
 */
import path from 'node:path';

export interface RuntimeFacts {
  /** app.isPackaged */
  packaged: boolean;
  /** app.getAppPath(): the project folder in development, …/resources/app.asar when packaged. */
  appPath: string;
  /** process.resourcesPath */
  resourcesPath: string;
  /** process.execPath (the Electron binary) */
  execPath: string;
  /** app.getPath('userData') */
  userData: string;
  env: NodeJS.ProcessEnv;
}

export interface RuntimePaths {
  rendererDir: string;
  resourcesDir: string;
  logDir: string;
  windowIcon: string;
  engine: { node: string; entry: string; env: NodeJS.ProcessEnv };
}

/** The folder beside app.asar that holds its unpacked files (the engine); the app folder itself when not in an asar. */
export function unpackedRoot(appPath: string): string {
  return path.basename(appPath) === 'app.asar' ? `${appPath}.unpacked` : appPath;
}

export function runtimePaths(facts: RuntimeFacts): RuntimePaths {
  const home = facts.env.GNC_HOME ? path.resolve(facts.env.GNC_HOME) : facts.userData;
  const logDir = facts.env.GNC_LOG_DIR ? path.resolve(facts.env.GNC_LOG_DIR) : path.join(home, 'logs');
  const common = { GNC_HOME: home, GNC_LOG_DIR: logDir };
  if (!facts.packaged) {
    return {
      rendererDir: path.join(facts.appPath, 'renderer', 'dist'),
      resourcesDir: path.join(facts.appPath, 'resources'),
      logDir,
      windowIcon: path.join(facts.appPath, 'resources', 'icons', 'png', '512x512.png'),
      engine: {
        // The system Node, for which `npm install` built better-sqlite3 (scripts/start.js sets GNC_NODE).
        node: facts.env.GNC_NODE ?? 'node',
        entry: path.join(facts.appPath, 'src', 'app', 'engine-host-entry.mjs'),
        env: { ...facts.env, ...common },
      },
    };
  }
  const env: NodeJS.ProcessEnv = { ...facts.env, ...common, ELECTRON_RUN_AS_NODE: '1', GNC_RESOURCES: facts.resourcesPath };
  // A GNC_NODE from the user's shell must not send the packaged engine to another Node (its native modules are Electron's).
  delete env.GNC_NODE;
  return {
    rendererDir: path.join(facts.appPath, 'renderer', 'dist'),
    resourcesDir: facts.resourcesPath,
    logDir,
    windowIcon: path.join(facts.resourcesPath, 'icons', '512x512.png'),
    engine: {
      // Electron's own Node: the native modules were rebuilt for its ABI when packaging (npm run dist).
      node: facts.execPath,
      entry: path.join(unpackedRoot(facts.appPath), 'src', 'app', 'engine-host-entry.mjs'),
      env,
    },
  };
}
