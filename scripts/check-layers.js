#!/usr/bin/env node
/**
 * Keeps the layers from leaking (design.md): src/ imports neither Electron nor
 * the DOM, renderer/ imports no Node modules (neither itself nor through the
 * engine code it bundles: the WebGPU worker runs src/tensor and src/prior in
 * the page, so every src/ file a renderer file reaches by runtime imports is
 * held to the renderer's rule), electron/ never weakens the window's
 * isolation. Prints one line per problem; exits 1 if any.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function files(dir, exts) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (exts.some((e) => name.endsWith(e))) out.push(full);
    }
  };
  walk(path.join(root, dir));
  return out;
}

const NODE_MODULES = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](node:[^'"]+|fs|path|os|child_process|worker_threads|crypto|better-sqlite3|sharp|@tensorflow\/tfjs-node(?:-gpu)?|electron)['"]/;
const ELECTRON = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]electron['"]/;
const DOM = /\b(?:document|window|navigator|localStorage)\s*\./;
const WEAK = /nodeIntegration\s*:\s*true|contextIsolation\s*:\s*false|sandbox\s*:\s*false|webSecurity\s*:\s*false/;

/** Relative runtime imports of a TS/JS file (import type / export type are erased and do not count). */
const RUNTIME_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

function resolveImport(from, spec) {
  const target = path.resolve(path.dirname(from), spec);
  for (const candidate of [target, target.replace(/\.js$/, '.ts'), `${target}.ts`, path.join(target, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** src/ files reached from `start` by relative runtime imports, each with the chain that reaches it. */
function reachedSrcFiles(start) {
  const srcRoot = path.join(root, 'src') + path.sep;
  const seen = new Map();
  const queue = [[start, [start]]];
  while (queue.length) {
    const [file, chain] = queue.shift();
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of text.matchAll(RUNTIME_IMPORT)) {
      const next = resolveImport(file, m[1] ?? m[2]);
      if (!next || seen.has(next) || !/\.(ts|js|mjs)$/.test(next)) continue;
      if (next.startsWith(srcRoot)) seen.set(next, [...chain, next]);
      if (next.startsWith(srcRoot) || next.startsWith(path.join(root, 'renderer'))) queue.push([next, [...chain, next]]);
    }
  }
  return seen;
}

export function checkLayers() {
  const problems = [];
  const rel = (f) => path.relative(root, f);
  for (const f of files('src', ['.ts'])) {
    const text = readFileSync(f, 'utf8');
    if (ELECTRON.test(text)) problems.push(`${rel(f)}: src/ must not import Electron`);
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    if (DOM.test(code)) problems.push(`${rel(f)}: src/ must not touch the DOM`);
  }
  for (const f of files('renderer', ['.ts', '.svelte', '.js'])) {
    const m = readFileSync(f, 'utf8').match(NODE_MODULES);
    if (m) problems.push(`${rel(f)}: renderer/ must not import the Node module ${m[1]}`);
    if (!f.endsWith('.ts')) continue;
    for (const [reached, chain] of reachedSrcFiles(f)) {
      const code = readFileSync(reached, 'utf8').replace(/^\s*(?:import|export)\s+type\b[^;]*;/gm, '');
      const leak = code.match(NODE_MODULES);
      if (leak) problems.push(`${chain.map(rel).join(' → ')}: renderer/ must not reach the Node module ${leak[1]} through src/`);
    }
  }
  for (const f of files('electron', ['.ts', '.cts', '.mts', '.js', '.cjs'])) {
    if (WEAK.test(readFileSync(f, 'utf8'))) problems.push(`${rel(f)}: electron/ weakens window isolation`);
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkLayers();
  for (const p of problems) console.error(p);
  console.log(problems.length ? `${problems.length} layering problem(s)` : 'layers: ok');
  process.exit(problems.length ? 1 : 0);
}
