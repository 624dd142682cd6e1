import { describe, expect, it } from 'vitest';
import {
  createLocalProvider,
  LOCAL_MODEL,
  reportedSimilarity,
  SHARED_SIMILARITY,
  stem,
  tokenize,
} from '../../src/embeddings/local.js';

const provider = createLocalProvider();
const cos = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);
const embed1 = async (text: string) => (await provider.embed([text]))[0];

describe('local embedding provider', () => {
  it('names its model and makes 1536-dimension unit vectors', async () => {
    expect(provider).toMatchObject({ name: 'local', model: LOCAL_MODEL, dimensions: 1536 });
    const v = await embed1('Cordless drill with two batteries');
    expect(v).toHaveLength(1536);
    expect(Math.sqrt(cos(v, v))).toBeCloseTo(1, 4);
  });

  it('is deterministic across calls and instances', async () => {
    const text = '1/2 in. PEX Water Supply Pipe Coil for running new hot and cold water supply lines.';
    const a = await embed1(text);
    const b = (await createLocalProvider().embed(['x', text]))[1];
    expect(b).toEqual(a);
  });

  it('folds case, accents, punctuation, stopwords and simple suffixes', () => {
    expect(tokenize('The Café-Drills, and BATTERIES!')).toEqual(['cafe', 'drill', 'battery']);
    expect(
      ['drills', 'batteries', 'cutting', 'painted', 'glasses', 'brass', 'cactus', 'saw'].map(stem),
    ).toEqual(['drill', 'battery', 'cut', 'paint', 'glass', 'brass', 'cactus', 'saw']);
  });

  it('scores shared words and word forms above unrelated text', async () => {
    const [drill, drills, drilling, hose] = await provider.embed([
      'drill',
      'drills',
      'drilling',
      'garden hose',
    ]);
    expect(cos(drill, drills)).toBeGreaterThan(0.9);
    expect(cos(drill, drilling)).toBeGreaterThan(0.9);
    expect(cos(drill, hose)).toBeLessThan(0.25);
  });

  it('puts unrelated text at the shared similarity, so 30 % sits above chance', async () => {
    const [a, b] = await provider.embed(['zzyzx qwv', 'plumbing elbow coupling']);
    expect(cos(a, b)).toBeGreaterThan(SHARED_SIMILARITY - 0.05);
    expect(cos(a, b)).toBeLessThan(0.25);
    expect(reportedSimilarity(0)).toBeCloseTo(0.15, 10);
    expect(reportedSimilarity(1)).toBeCloseTo(1, 10);
  });

  it('gives text without words a zero vector (close to nothing)', async () => {
    for (const text of ['', '  ...  ', 'the and of'])
      expect((await embed1(text)).every((x) => x === 0)).toBe(true);
  });

  it('embeds thousands of texts per second', async () => {
    const texts = Array.from(
      { length: 2000 },
      (_, i) =>
        `Heavy-duty copper pipe fitting ${i} for residential plumbing repairs. Lead-free brass resists corrosion; fits 1/2 in. pipes.`,
    );
    const started = performance.now();
    await provider.embed(texts);
    const perSecond = texts.length / ((performance.now() - started) / 1000);
    // The benchmark measures the real figure on an idle core; this only catches a collapse.
    expect(perSecond).toBeGreaterThan(1500);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(provider.embed(['a'], controller.signal)).rejects.toThrow('stop');
  });
});
