// The layering of src/ (DESIGN.md, "Layers of the code"). Imports point down only:
//   cli → app → stages → services → store → core
// so a change to a stage cannot break the CLI's contract, the stores know nothing of models,
// and the core can be read on its own. `src/index.ts` (the library entry) sits beside cli.
const STAGES = '(ingest|crawl|split|analyse|featurize|monitor|dedup|inspect|answer|serve)';
const SERVICES = '(llm|embed|vector|queue|text|html|search)';
const STORE = '(store)';
const CORE = '(core|config)';

const layer = (name, folders, may) => ({
  name: `${name}-imports-down-only`,
  comment: `${name} may import only ${may.join(', ')} (and itself)`,
  severity: 'error',
  from: { path: `^src/${folders}/` },
  to: { path: '^src/', pathNot: [`^src/${folders}/`, ...may.map((f) => `^src/${f}/`)] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'a cycle means two modules are one; split or merge them', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-orphans',
      comment: 'a module nothing imports is dead code (entry points excepted)',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: ['^src/index\\.ts$', '^src/cli/main\\.ts$', '-worker\\.ts$', '\\.d\\.ts$'] },
      to: {},
    },
    layer('cli', 'cli', ['app', CORE]),
    layer('app', 'app', [STAGES, SERVICES, STORE, CORE]),
    { ...layer('stage', STAGES, [SERVICES, STORE, CORE]), comment: 'a stage imports services, store and core, never the CLI, the app layer or another stage' },
    {
      name: 'stages-are-independent',
      comment: 'a stage never imports another stage: shared code belongs in a service or core',
      severity: 'error',
      from: { path: `^src/${STAGES}/` },
      to: { path: `^src/${STAGES}/`, pathNot: ['^src/$1/'] },
    },
    layer('service', SERVICES, [SERVICES, STORE, CORE]),
    layer('store', STORE, [STORE, CORE]),
    layer('core', CORE, []),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
