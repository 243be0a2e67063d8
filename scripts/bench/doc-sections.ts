import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * docs/benchmarks.md holds one generated section per benchmark script (training speed, the API under
 * load), each between its own markers under a shared title, so each script rewrites its part and
 * leaves the others'.
 */
const TITLE = '# Benchmarks\n\nEach section below is written by the script it names; the others are left as they are.';
const markers = (name: string) => ({ start: `<!-- ${name}: generated, do not edit -->`, end: `<!-- /${name} -->` });

/**
 * Replaces the section `name` of `file` with `markdown` (appending it when the file has none yet; a
 * new file starts with the shared title).
 */
export function writeDocSection(file: string, name: string, markdown: string): void {
  const { start, end } = markers(name);
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const base = current.trim() === '' ? TITLE : current;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from !== -1 && to > from
      ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}`
      : `${base.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
