#!/usr/bin/env node
// Size budget for src/: a function body over MAX_FN lines or a file over MAX_FILE lines is
// usually two things in one. Data tables (listed below) are exempt: they are long by nature.
// Usage: node scripts/check-sizes.mjs [--report]   (exit 1 when over budget)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const MAX_FN = 80;
const MAX_FILE = 400;
const DATA_TABLES = new Set(['src/llm/local/sentiment-lexicon.ts', 'src/text/abbreviations.ts', 'src/embed/stopwords.ts']);

const root = new URL('..', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
})(join(root, 'src'));

const problems = [];
for (const file of files) {
  const rel = relative(root, file);
  if (DATA_TABLES.has(rel)) continue;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length;
  if (lines > MAX_FILE) problems.push(`${rel}: ${lines} lines (budget ${MAX_FILE})`);
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.body.getStart()).line;
      const end = sf.getLineAndCharacterOfPosition(node.body.getEnd()).line;
      const n = end - start + 1;
      if (n > MAX_FN) {
        const name = node.name?.getText(sf) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)');
        problems.push(`${rel}:${start + 1}: function ${name} is ${n} lines (budget ${MAX_FN})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
for (const p of problems) console.log(p);
console.log(`check-sizes: ${files.length} files, ${problems.length} over budget (function ${MAX_FN} lines, file ${MAX_FILE} lines)`);
process.exit(problems.length > 0 ? 1 : 0);
