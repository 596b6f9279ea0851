// Loaded with `node --import`: prints every module URL the process loads to stderr, so a test can
// check what `llmops --help` imports.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  process.stderr.write('IMPORT ' + r.url + '\\n');
  return r;
}`),
  import.meta.url,
);
