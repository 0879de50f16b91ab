import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Commands under test record their runs in the library of the user's data
// folder; point that at a throwaway folder so tests never touch the real one.
const home = mkdtempSync(path.join(tmpdir(), 'gnc-test-home-'));

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { GNC_HOME: home },
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
