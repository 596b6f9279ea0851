#!/usr/bin/env node
// The chat page (assets/chat.html) allows only its own inline script, by the script's SHA-256 in
// its Content-Security-Policy. Run this after editing the script: it writes the new hash.
// Usage: node scripts/update-chat-csp.mjs [--check]   (--check: exit 1 when the hash is stale)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../assets/chat.html', import.meta.url);
const html = readFileSync(file, 'utf8');
const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
if (script === undefined) throw new Error('assets/chat.html: no inline <script> found');
const hash = `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
const current = /script-src ('sha256-[^']*')/.exec(html)?.[1];
if (current === undefined) throw new Error("assets/chat.html: the Content-Security-Policy has no script-src 'sha256-…'");
if (process.argv.includes('--check')) {
  if (current !== hash) {
    console.error(`assets/chat.html: script-src is ${current}, the script's hash is ${hash} (run node scripts/update-chat-csp.mjs)`);
    process.exit(1);
  }
} else if (current !== hash) {
  writeFileSync(file, html.replace(current, hash));
  console.log(`assets/chat.html: script-src ${hash}`);
}
