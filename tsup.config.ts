import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// One ESM entry for the CLI; every subcommand's stage code is reached through dynamic
// import() and lands in its own chunk, so `llmops --help` loads only commander. The worker
// threads' scripts are entries of their own, at fixed names (core/worker-pool.ts finds them).
export default defineConfig({
  entry: {
    'cli/main': 'src/cli/main.ts',
    index: 'src/index.ts',
    'workers/featurize-worker': 'src/featurize/featurize-worker.ts',
    'workers/split-worker': 'src/split/split-worker.ts',
    'workers/wal-checkpoint-worker': 'src/store/wal-checkpoint-worker.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  splitting: true,
  // No sourcemaps: they doubled dist and the tarball, and stack traces name our own small modules.
  sourcemap: false,
  clean: true,
  // Declarations for the library entry only: the CLI entry needs none.
  dts: { entry: { index: 'src/index.ts' } },
  // Dependencies stay external (installed beside the package), except kysely, zod and uuid: their
  // ~280, ~95 and ~20 ESM files cost more to resolve and link at every start than the work of a
  // small command (bundling zod and uuid: a featurize with nothing to do 0.355 → 0.325 s median).
  // yaml too, from its ESM build (its node build is CommonJS, which does not bundle into ESM):
  // the same modules but for warnings, which go to console.warn instead of process.emitWarning.
  skipNodeModulesBundle: true,
  noExternal: ['kysely', 'zod', 'uuid', 'yaml'],
  esbuildOptions(options) {
    options.alias = { ...options.alias, yaml: './node_modules/yaml/browser/index.js' };
  },
  define: { __LLMOPS_VERSION__: JSON.stringify(version) },
});
