#!/usr/bin/env node
// Fails when an import points the wrong way. The rule, explained in packages/core/README.md
// ("Architecture"):
// - inside @hoptrace/core, a file may load (a runtime import) only from its own layer or a lower
//   one: codec < context < diagnostics < engine < server, otel; codec loads nothing but codec;
//   `errors.ts` loads nothing. A type-only import may name any layer, since types compile away
//   and cannot change what loads first. Entry points (`index.ts`) may import anything; nothing
//   but a test imports an entry point.
// - a package loads another hoptrace package only through its public entry points, never a
//   sibling adapter, and never by a relative path out of its folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesFolder = join(repository, 'packages');

/** Lower layers first; a file may load from its own rank or below. */
const CORE_LAYERS = { codec: 0, context: 1, diagnostics: 2, engine: 3, server: 4, otel: 4 };
const FOUNDATION = new Set(['errors.ts']);
const PUBLIC_ENTRIES = {
  '@hoptrace/core': ['', '/adapter', '/diagnostics', '/otel'],
  '@hoptrace/fetch': [''],
  '@hoptrace/express': [''],
  '@hoptrace/koa': [''],
  '@hoptrace/fastify': [''],
  '@hoptrace/grpc': [''],
  '@hoptrace/test-utils': [''],
};
/** Which hoptrace packages each package's source may load (tests may also load test-utils). */
const MAY_LOAD = {
  core: [],
  fetch: ['@hoptrace/core'],
  express: ['@hoptrace/core'],
  koa: ['@hoptrace/core'],
  fastify: ['@hoptrace/core'],
  grpc: ['@hoptrace/core'],
  cli: ['@hoptrace/core'],
  'test-utils': ['@hoptrace/core'],
};

function sourceFiles(folder) {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (entry === 'node_modules' || entry === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(m|c)?tsx?$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push({
        specifier: node.moduleSpecifier.text,
        typeOnly: isTypeOnly(node),
        line: lineOf(node),
      });
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  const lineOf = (node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  visit(source);
  return found;
}

function isTypeOnly(node) {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return false;
    if (clause.isTypeOnly) return true;
    if (clause.name) return false;
    const bindings = clause.namedBindings;
    return (
      bindings !== undefined &&
      ts.isNamedImports(bindings) &&
      bindings.elements.length > 0 &&
      bindings.elements.every((element) => element.isTypeOnly)
    );
  }
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    clause !== undefined &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((element) => element.isTypeOnly)
  );
}

const isTest = (file) => /\.test(-d)?\.(m|c)?tsx?$/.test(file) || file.split(sep).includes('test');

/** The core layer of a file in packages/core/src, or 'entry' / 'foundation'. */
function coreLayerOf(file) {
  const inside = relative(join(packagesFolder, 'core', 'src'), file).split(sep);
  if (inside[inside.length - 1] === 'index.ts') return 'entry';
  if (inside.length === 1) return FOUNDATION.has(inside[0]) ? 'foundation' : 'entry';
  return inside[0];
}

const problems = [];
for (const packageName of readdirSync(packagesFolder)) {
  const packageFolder = join(packagesFolder, packageName);
  if (!statSync(packageFolder).isDirectory()) continue;
  for (const file of sourceFiles(packageFolder)) {
    const where = relative(repository, file);
    const test = isTest(file);
    const inSourceOrTests = ['src', 'test'].some((folder) =>
      file.startsWith(join(packageFolder, folder) + sep),
    );
    if (!inSourceOrTests) continue; // build and test-runner configs extend the repository's base files
    const coreSource = packageName === 'core' && file.startsWith(join(packageFolder, 'src') + sep);
    for (const { specifier, typeOnly, line } of importsOf(file)) {
      const at = `${where}:${line}`;
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
        if (!target.startsWith(packageFolder + sep)) {
          problems.push(
            `${at}: '${specifier}' reaches out of packages/${packageName}; import the package by name`,
          );
          continue;
        }
        if (!coreSource || test) continue;
        const from = coreLayerOf(file);
        const to = coreLayerOf(target);
        if (!target.startsWith(join(packageFolder, 'src') + sep)) {
          problems.push(`${at}: core source imports '${specifier}', outside src`);
        } else if (to === 'entry') {
          problems.push(
            `${at}: imports the entry point '${specifier}'; import the file that defines the name`,
          );
        } else if (from === 'entry') {
          // entry points gather the public names
        } else if (from === 'foundation') {
          problems.push(
            `${at}: ${relative(join(packageFolder, 'src'), file)} is imported by every layer and must import nothing of core`,
          );
        } else if (to === 'foundation') {
          // every layer may throw hoptrace's errors
        } else if (from === 'codec' && to !== 'codec') {
          problems.push(`${at}: a codec imports '${specifier}' (${to}); codecs import only codecs`);
        } else if (!typeOnly && CORE_LAYERS[to] > CORE_LAYERS[from]) {
          problems.push(
            `${at}: ${from}/ loads '${specifier}' from ${to}/, a higher layer (make it a type-only import or move the code down)`,
          );
        } else if (!typeOnly && from !== to && CORE_LAYERS[to] === CORE_LAYERS[from]) {
          problems.push(`${at}: ${from}/ loads '${specifier}' from ${to}/, a sibling layer`);
        }
        continue;
      }
      const hoptrace = specifier.match(/^(@hoptrace\/[^/]+)(\/.*)?$/);
      if (!hoptrace) continue;
      const [, name, subpath = ''] = hoptrace;
      // Tests may start any hoptrace package: a chain of services is the integration they check.
      const allowed = test ? Object.keys(PUBLIC_ENTRIES) : (MAY_LOAD[packageName] ?? []);
      if (name === `@hoptrace/${packageName}` && !test) {
        problems.push(`${at}: imports its own package '${specifier}'; use a relative path`);
      } else if (!allowed.includes(name) && name !== `@hoptrace/${packageName}`) {
        problems.push(`${at}: packages/${packageName} may not import ${name}`);
      } else if (!(PUBLIC_ENTRIES[name] ?? ['']).includes(subpath)) {
        problems.push(`${at}: '${specifier}' is not a public entry point of ${name}`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(
    `check-layers: ${problems.length} import(s) point the wrong way:\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.log('check-layers: every import points down');
