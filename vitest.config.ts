import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Commands under test record their runs in the library of the user's data
// folder; point that at a throwaway folder so tests never touch the real one.
const home = mkdtempSync(path.join(tmpdir(), 'gnc-test-home-'));

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { GNC_HOME: home },
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
    projects: [
      {
        // Engine, CLI and end-to-end tests: plain Node.
        extends: true,
        test: {
          name: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/renderer/**', '**/node_modules/**'],
        },
      },
      {
        // Renderer components and logic: Svelte compiled for the browser, in jsdom.
        extends: true,
        plugins: [svelte({ emitCss: false, compilerOptions: { css: 'external' } }), svelteTesting()],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['tests/renderer/**/*.test.ts'],
          environment: 'jsdom',
          setupFiles: ['tests/renderer/setup.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
