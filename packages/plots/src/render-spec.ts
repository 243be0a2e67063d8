import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string, headless: the 'none' renderer builds the
 * scenegraph without a canvas, so no native module is needed (text widths are estimated instead of
 * measured). Vega escapes every string it writes, so callers pass raw titles and labels.
 */
export async function renderSpec(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
