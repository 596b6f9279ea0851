import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// One ESM entry for the CLI; every subcommand's stage code is reached through dynamic
// import() and lands in its own chunk, so `llmops --help` loads only commander.
export default defineConfig({
  entry: { 'cli/main': 'src/cli/main.ts', index: 'src/index.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  splitting: true,
  sourcemap: true,
  clean: true,
  dts: false,
  // Dependencies stay external: they are installed beside the package.
  skipNodeModulesBundle: true,
  define: { __LLMOPS_VERSION__: JSON.stringify(version) },
});
