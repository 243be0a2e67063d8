// A strict reader for the SVG Vega writes, so tests can assert on structure rather than on substrings.
// No XML parser is among the dependencies; Vega's output uses a small subset of XML (elements,
// double-quoted attributes, text, the five predefined entities), and anything outside it is rejected.

export interface SvgElement {
  name: string;
  attributes: Record<string, string>;
  children: SvgElement[];
  /** Character data directly inside the element, entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const TOKEN = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
const ATTRIBUTE = /([A-Za-z_:][\w:.-]*)="([^"]*)"/g;

function decode(raw: string): string {
  return raw.replace(/&([^;]*);|&/g, (match, name: string | undefined) => {
    if (name !== undefined && name in ENTITIES) return ENTITIES[name]!;
    const code = name?.match(/^#(\d+)$|^#x([0-9a-f]+)$/i);
    if (code) return String.fromCodePoint(code[1] ? Number(code[1]) : Number.parseInt(code[2]!, 16));
    throw new Error(`unescaped or unknown entity ${JSON.stringify(match)}`);
  });
}

/** Parses a whole document into its root element; throws on anything not well-formed. */
export function parseSvg(svg: string): SvgElement {
  const stack: SvgElement[] = [];
  let root: SvgElement | undefined;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < svg.length) {
    const at = TOKEN.lastIndex;
    const token = TOKEN.exec(svg);
    if (!token) throw new Error(`not well-formed at offset ${at}: ${JSON.stringify(svg.slice(at, at + 40))}`);
    const [, closing, name, attributeText, selfClosing, text] = token;
    const parent = stack.at(-1);
    if (text !== undefined) {
      if (!parent) throw new Error(`text outside the root element at offset ${at}`);
      parent.text += decode(text);
    } else if (closing) {
      if (parent?.name !== name) throw new Error(`</${name}> closes <${parent?.name}> at offset ${at}`);
      stack.pop();
    } else {
      if (root && stack.length === 0) throw new Error(`second root element <${name}> at offset ${at}`);
      const attributes: Record<string, string> = {};
      for (const [, key, value] of (attributeText ?? '').matchAll(ATTRIBUTE)) {
        if (key! in attributes) throw new Error(`duplicate attribute ${key} on <${name}>`);
        attributes[key!] = decode(value!);
      }
      const element: SvgElement = { name: name!, attributes, children: [], text: '' };
      if (parent) parent.children.push(element);
      else root = element;
      if (!selfClosing) stack.push(element);
    }
  }
  if (!root) throw new Error('no root element');
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  return root;
}

/** Every element below `root`, in document order. */
export function descendants(root: SvgElement): SvgElement[] {
  return root.children.flatMap((child) => [child, ...descendants(child)]);
}

/** The text of every visible <text> (Vega keeps labels hidden for overlap, with opacity 0). */
export function visibleTexts(root: SvgElement): string[] {
  return descendants(root)
    .filter((element) => element.name === 'text' && element.attributes.opacity !== '0')
    .map((element) => element.text);
}

/** The marks Vega describes with this aria-roledescription ("point", "line mark", "errorbar"), in drawing order. */
export function marks(root: SvgElement, roleDescription: string): SvgElement[] {
  return descendants(root).filter((element) => element.attributes['aria-roledescription'] === roleDescription);
}

export function ariaLabels(elements: SvgElement[]): string[] {
  return elements.map((element) => element.attributes['aria-label'] ?? '');
}

function ownTranslation(element: SvgElement): [number, number] | undefined {
  const match = element.attributes.transform?.match(/^translate\(([-\d.e]+),([-\d.e]+)\)$/);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * Where a mark placed with transform="translate(x,y)" lands on the page: its own translation plus
 * those of the groups around it (Vega nests panels, axes and marks in translated groups).
 */
export function pagePosition(root: SvgElement, element: SvgElement): [number, number] {
  const own = ownTranslation(element);
  if (!own) throw new Error(`no translate() on <${element.name}>: ${element.attributes.transform}`);
  const path = pathTo(root, element);
  if (!path) throw new Error('element is not inside root');
  return path.reduce<[number, number]>(
    ([x, y], ancestor) => {
      const [dx, dy] = ownTranslation(ancestor) ?? [0, 0];
      return [x + dx, y + dy];
    },
    own,
  );
}

/** The ancestors of `element` from `root` down, `element` excluded. */
function pathTo(root: SvgElement, element: SvgElement): SvgElement[] | undefined {
  for (const child of root.children) {
    if (child === element) return [root];
    const below = pathTo(child, element);
    if (below) return [root, ...below];
  }
  return undefined;
}
