import type { KnipConfig } from 'knip';

// `npx knip` (npm run lint:dead): files, exports and dependencies nothing uses.
// Test files are entries through the vitest plugin (vitest.config.ts), so an export a test
// imports counts as used; keep such exports to a module's own unit test.
const config: KnipConfig = {
  // Besides these, knip finds src/index.ts and src/cli/main.ts (tsup.config.ts), bin/llmops.js
  // (package.json "bin") and the test files (vitest plugin) by itself. Test worker scripts are
  // started by URL, which knip cannot follow.
  entry: ['bench/**/*.{ts,mjs}', 'scripts/**/*.mjs', 'test/fixtures/workers/*.ts'],
  project: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.{ts,mjs}', 'scripts/**/*.mjs', 'bin/**/*.js'],
  // A type named in an exported signature is part of that API even when no one imports it.
  ignoreExportsUsedInFile: { interface: true, type: true },
  // Tests drive a FIFO and a pseudo-terminal with these system tools, and restore a pg_dump with psql.
  ignoreBinaries: ['mkfifo', 'script', 'psql'],
  // The migration modules are read whole, as namespaces, by kysely's Migrator (migrations/index.ts).
  ignoreIssues: { 'src/store/migrations/0*.ts': ['exports'] },
};

export default config;
