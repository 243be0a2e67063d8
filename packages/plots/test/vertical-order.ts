import assert from 'node:assert/strict';

/** On screen y grows downwards: a larger value must sit higher, i.e. at a smaller y. */
export function assertDrawnInValueOrder(values: number[], ys: number[]): void {
  assert.equal(ys.length, values.length);
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < values.length; j++) {
      if (values[i]! > values[j]!) assert.ok(ys[i]! < ys[j]!, `value ${values[i]} is drawn at y ${ys[i]}, not above ${values[j]} at y ${ys[j]}`);
    }
  }
}
