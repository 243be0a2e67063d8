import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSvg, visibleTexts } from './svg.ts';

// The other tests lean on parseSvg to prove the renderers' output is well-formed: prove it rejects what is not.
test('svg reader: accepts nested elements, attributes and entities', () => {
  const svg = parseSvg('<svg a="1"><g><text opacity="1">a &amp; &lt;b&gt; &#955;</text><text opacity="0">hidden</text></g><rect/></svg>');
  assert.equal(svg.attributes.a, '1');
  assert.deepEqual(visibleTexts(svg), ['a & <b> λ']);
});

test('svg reader: rejects what is not well-formed', () => {
  for (const bad of [
    '<svg><g></svg>',
    '<svg></g></svg>',
    '<svg><text>a & b</text></svg>',
    '<svg><text>a < b</text></svg>',
    '<svg a=1></svg>',
    '<svg a="1" a="2"></svg>',
    '<svg></svg><svg></svg>',
    '<svg>',
    'text<svg></svg>',
  ]) {
    assert.throws(() => parseSvg(bad), Error, bad);
  }
});
