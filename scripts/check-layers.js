#!/usr/bin/env node
/**
 * Keeps the layers from leaking (design.md): src/ imports neither Electron nor
 * the DOM, renderer/ imports no Node modules, electron/ never weakens the
 * window's isolation. Prints one line per problem; exits 1 if any.
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
