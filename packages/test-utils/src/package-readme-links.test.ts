import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Every package README is also its page on the npm registry, which resolves no relative link:
 * the packages declare no `repository`, and a path like `../core/README.md` points at nothing
 * there. Links must be absolute (`https://…`, `mailto:…`) or in-page anchors (`#section`).
 */

const packagesDir = fileURLToPath(new URL('../../', import.meta.url));

/** `packages/<name>/README.md` for every package that has one. */
const readmes = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `${entry.name}/README.md`)
  .filter((path) => existsSync(join(packagesDir, path)));

/** A link target the registry can follow: a URI with a scheme, or an anchor on the same page. */
const ABSOLUTE_OR_ANCHOR = /^(?:[a-z][a-z0-9+.-]*:|#)/i;

/**
 * The link targets of a markdown text: inline links and images `[text](target "title")`,
 * reference definitions `[label]: target`, and HTML `href`/`src` attributes. Fenced code blocks
 * and code spans are left out first, since a `](…)` in code is not a link.
 */
function linkTargets(markdown: string): string[] {
  const prose = markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
  const targets: string[] = [];
  for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]*)/g)) targets.push(match[1] ?? '');
  for (const match of prose.matchAll(/^ {0,3}\[[^\]\n]+\]:\s*<?([^\s>]+)/gm))
    targets.push(match[1] ?? '');
  for (const match of prose.matchAll(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi))
    targets.push(match[1] ?? '');
  return targets;
}

/** The targets in `markdown` that would break on the registry page. */
function relativeLinks(markdown: string): string[] {
  return linkTargets(markdown).filter((target) => !ABSOLUTE_OR_ANCHOR.test(target));
}

describe('linkTargets and relativeLinks', () => {
  it('finds relative links of every markdown and HTML form', () => {
    const text = [
      'See [core](../core/README.md#options), [here](./x.md), [bare](bench/README.md),',
      '![img](docs/a.png "title"), <a href="../../README.md">root</a>, and [ref][r].',
      '',
      '[r]: ../../examples/README.md',
    ].join('\n');
    expect(relativeLinks(text)).toEqual([
      '../core/README.md#options',
      './x.md',
      'bench/README.md',
      'docs/a.png',
      '../../examples/README.md',
      '../../README.md',
    ]);
  });

  it('accepts absolute links and in-page anchors, and ignores code', () => {
    const text = [
      '[npm](https://www.npmjs.com/package/@hoptrace/core#options), [mail](mailto:a@b.c),',
      '[below](#options), `[not](./a-link)` in a code span,',
      '```js',
      "const md = '[still](../not-a-link)';",
      '```',
    ].join('\n');
    expect(linkTargets(text)).toEqual([
      'https://www.npmjs.com/package/@hoptrace/core#options',
      'mailto:a@b.c',
      '#options',
    ]);
    expect(relativeLinks(text)).toEqual([]);
  });
});

describe('package READMEs', () => {
  it('are found for every published package', () => {
    expect(readmes).toEqual(
      expect.arrayContaining(['cli/README.md', 'core/README.md', 'fastify/README.md']),
    );
  });

  it.each(readmes)(
    'packages/%s has no relative link (the npm registry page cannot follow one)',
    (path) => {
      const markdown = readFileSync(join(packagesDir, path), 'utf8');
      expect(relativeLinks(markdown)).toEqual([]);
    },
  );
});
