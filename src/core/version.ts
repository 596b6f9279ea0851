// Filled in by the build from package.json (tsup `define`); the fallback serves tests run from source.
declare const __LLMOPS_VERSION__: string | undefined;
export const VERSION: string = typeof __LLMOPS_VERSION__ === 'string' ? __LLMOPS_VERSION__ : '0.0.0-dev';
