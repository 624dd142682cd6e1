import type { Secret } from '../config/secret.js';
import { ConfigError, McpopsError, OperationError, UnavailableError } from '../errors.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  type RetryPolicy,
  serverRetryDelay,
  sleep,
} from './retry.js';
import { estimateTokens } from './tokens.js';
import { EMBEDDING_DIMENSIONS, type EmbeddingProvider } from './types.js';

/** The API takes at most 2048 inputs per request, and about 300k tokens; we stay under both. */
export const MAX_INPUTS_PER_REQUEST = 2048;
export const MAX_TOKENS_PER_REQUEST = 250_000;
export const ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** The part of @azure/identity's TokenCredential we use (injectable for tests). */
export interface TokenSource {
  getToken(scope: string): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

export interface AzureOpenAiOptions {
  endpoint: string;
  deployment: string;
  apiVersion: string;
  /** Sent as `api-key`; without it an Entra token (DefaultAzureCredential) is sent as a bearer. */
  apiKey?: Secret;
  credential?: TokenSource;
  timeoutMs?: number;
  retry?: RetryPolicy;
  maxInputsPerRequest?: number;
  maxTokensPerRequest?: number;
  dimensions?: number;
}

interface EmbeddingsResponse {
  data?: Array<{ embedding?: unknown; index?: number }>;
}

/** Splits texts into request-sized groups: by input count and by an estimated token budget. */
export function requestBatches(texts: string[], maxInputs: number, maxTokens: number): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const text of texts) {
    const cost = estimateTokens(text);
    if (current.length > 0 && (current.length >= maxInputs || tokens + cost > maxTokens)) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(text);
    tokens += cost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function createAzureOpenAiProvider(options: AzureOpenAiOptions): EmbeddingProvider {
  const dimensions = options.dimensions ?? EMBEDDING_DIMENSIONS;
  const policy = options.retry ?? DEFAULT_RETRY;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const base = options.endpoint.replace(/\/+$/, '');
  const url = `${base}/openai/deployments/${encodeURIComponent(options.deployment)}/embeddings?api-version=${encodeURIComponent(options.apiVersion)}`;
  const host = new URL(base).host;
  const tokens = entraTokens(options.credential);

  async function authHeader(): Promise<Record<string, string>> {
    if (options.apiKey) return { 'api-key': options.apiKey.reveal() };
    return { authorization: `Bearer ${await tokens()}` };
  }

  function refused(status: number): ConfigError {
    return options.apiKey
      ? new ConfigError(`Azure OpenAI at ${host} refused the API key (HTTP ${status})`, {
          code: 'embeddings_auth',
          suggestion: 'Check AZURE_OPENAI_API_KEY is a key of the resource named by AZURE_OPENAI_ENDPOINT.',
        })
      : new ConfigError(`Azure OpenAI at ${host} refused the Entra token (HTTP ${status})`, {
          code: 'embeddings_auth',
          suggestion:
            'Give the identity the "Cognitive Services OpenAI User" role on the resource, or set AZURE_OPENAI_API_KEY.',
        });
  }

  async function post(inputs: string[], signal?: AbortSignal): Promise<number[][]> {
    const body = JSON.stringify({ input: inputs });
    let problem = '';
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await authHeader()) },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof McpopsError) throw error;
        const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
        if (UNREACHABLE.has(code))
          throw new UnavailableError(`cannot reach Azure OpenAI at ${host}: ${code}`, {
            code: 'embeddings_unreachable',
            suggestion: 'Check AZURE_OPENAI_ENDPOINT and the network path to it.',
            cause: error,
          });
        problem = timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : code || 'connection failed';
        if (attempt < policy.maxAttempts) await sleep(backoffDelay(policy, attempt), signal);
        continue;
      }
      if (response.ok) return parseVectors(text, inputs.length, dimensions, options.deployment);
      if (response.status === 401 || response.status === 403) throw refused(response.status);
      if (response.status === 404)
        throw new ConfigError(
          `Azure OpenAI at ${host} has no deployment "${options.deployment}" (HTTP 404)`,
          {
            code: 'embeddings_deployment',
            suggestion: 'Check EMBEDDING_MODEL_DEPLOYMENT_NAME and AZURE_OPENAI_ENDPOINT.',
          },
        );
      if (!isRetryableStatus(response.status))
        throw new OperationError(
          `Azure OpenAI rejected the embeddings request (HTTP ${response.status}): ${apiMessage(text)}`,
          {
            code: 'embeddings_rejected',
            suggestion: 'Check AZURE_OPENAI_API_VERSION and that the deployment is an embeddings model.',
          },
        );
      problem = `HTTP ${response.status}`;
      if (attempt < policy.maxAttempts)
        await sleep(backoffDelay(policy, attempt, serverRetryDelay(response.headers)), signal);
    }
    throw new UnavailableError(
      `Azure OpenAI at ${host} still failing after ${policy.maxAttempts} attempts (${problem})`,
      {
        code: 'embeddings_unavailable',
        suggestion:
          'Try again later, lower --concurrency, or raise the deployment quota (tokens per minute).',
      },
    );
  }

  return {
    name: 'azure-openai',
    model: options.deployment,
    dimensions,
    async embed(texts, signal) {
      const vectors: number[][] = [];
      const groups = requestBatches(
        texts,
        Math.min(options.maxInputsPerRequest ?? MAX_INPUTS_PER_REQUEST, MAX_INPUTS_PER_REQUEST),
        options.maxTokensPerRequest ?? MAX_TOKENS_PER_REQUEST,
      );
      for (const group of groups) vectors.push(...(await post(group, signal)));
      return vectors;
    },
  };
}

/** A cached Entra token from DefaultAzureCredential (loaded lazily), renewed before it expires. */
function entraTokens(injected?: TokenSource): () => Promise<string> {
  let cached: { token: string; expiresOnTimestamp: number } | undefined;
  let pending: Promise<string> | undefined;
  return () => {
    if (cached && cached.expiresOnTimestamp - Date.now() > 120_000) return Promise.resolve(cached.token);
    pending ??= (async () => {
      try {
        const source = injected ?? new (await import('@azure/identity')).DefaultAzureCredential();
        const token = await source.getToken(ENTRA_SCOPE);
        if (!token) throw new Error('no token');
        cached = token;
        return token.token;
      } catch (error) {
        throw new ConfigError('no Azure OpenAI API key is set and no Entra identity could get a token', {
          code: 'embeddings_auth',
          suggestion:
            'Set AZURE_OPENAI_API_KEY, or sign in (az login), or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or run with a managed identity.',
          cause: error,
        });
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

function apiMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    if (parsed.error?.message) return parsed.error.message.slice(0, 300);
  } catch {}
  return 'no error message';
}

function parseVectors(text: string, count: number, dimensions: number, deployment: string): number[][] {
  let parsed: EmbeddingsResponse;
  try {
    parsed = JSON.parse(text) as EmbeddingsResponse;
  } catch {
    throw new OperationError('Azure OpenAI answered with something that is not JSON', {
      code: 'embeddings_response',
      suggestion: 'Check AZURE_OPENAI_ENDPOINT points at an Azure OpenAI resource.',
    });
  }
  const data = parsed.data ?? [];
  const vectors: number[][] = new Array(count);
  for (const item of data) {
    const index = item.index ?? -1;
    if (index >= 0 && index < count && Array.isArray(item.embedding)) vectors[index] = item.embedding;
  }
  for (let i = 0; i < count; i++) {
    if (!vectors[i])
      throw new OperationError(`Azure OpenAI returned ${data.length} embeddings for ${count} inputs`, {
        code: 'embeddings_response',
        suggestion: 'Retry; if it persists, check the API version (AZURE_OPENAI_API_VERSION).',
      });
    if (vectors[i].length !== dimensions)
      throw new ConfigError(
        `deployment "${deployment}" returns ${vectors[i].length}-dimension vectors; the column holds ${dimensions}`,
        {
          code: 'embeddings_dimensions',
          suggestion:
            'Deploy text-embedding-3-small (1536 dimensions) and set EMBEDDING_MODEL_DEPLOYMENT_NAME.',
        },
      );
  }
  return vectors;
}
