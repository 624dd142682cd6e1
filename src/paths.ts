import { fileURLToPath } from 'node:url';

/** The package root, whether running from dist/ (built) or from src/ (tests through vitest). */
export function packageRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/')
    ? fileURLToPath(new URL('../../', import.meta.url))
    : fileURLToPath(new URL('../', import.meta.url));
}
