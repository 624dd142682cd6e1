import { NotImplementedError } from '../src/errors.js';

/** Commands whose issue has not landed exit 2 with a clear message, never fake output. */
export function notImplemented(name: string): () => never {
  return () => {
    throw new NotImplementedError(`mcpops ${name}`);
  };
}
