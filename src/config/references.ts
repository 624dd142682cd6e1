import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

export type ReferenceKind = 'env' | 'file' | 'keyvault';

const referencePattern = /^(env|file|keyvault):(.+)$/;

export function parseReference(value: string): { kind: ReferenceKind; target: string } | undefined {
  const match = referencePattern.exec(value.trim());
  if (!match) return undefined;
  return { kind: match[1] as ReferenceKind, target: match[2] };
}

export interface ReferenceContext {
  env: NodeJS.ProcessEnv;
  keyVaultUrl?: string;
  /** Injected for tests; defaults to the Azure SDK, imported only when a keyvault: reference exists. */
  fetchKeyVaultSecret?: (vaultUrl: string, name: string) => Promise<string>;
}

/**
 * Resolves `env:NAME`, `file:/path` and `keyvault:name`. Errors name the reference and the
 * setting, never a value.
 */
export async function resolveReference(
  setting: string,
  value: string,
  context: ReferenceContext,
): Promise<string> {
  const reference = parseReference(value);
  if (!reference) return value;
  const shown = `${reference.kind}:${reference.target}`;
  switch (reference.kind) {
    case 'env': {
      const resolved = context.env[reference.target];
      if (resolved === undefined || resolved === '') {
        throw new ConfigError(
          `${setting}: secret reference ${shown} points at an unset environment variable`,
          {
            code: 'secret_unresolved',
            suggestion: `Set ${reference.target} in the environment, or change ${setting}.`,
          },
        );
      }
      return resolved;
    }
    case 'file': {
      try {
        return (await readFile(reference.target, 'utf8')).replace(/\r?\n$/, '');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        throw new ConfigError(`${setting}: secret reference ${shown} cannot be read (${reason})`, {
          code: 'secret_unresolved',
          suggestion: `Create ${reference.target} readable by this user (container secrets mount under /run/secrets), or change ${setting}.`,
        });
      }
    }
    case 'keyvault': {
      if (!context.keyVaultUrl) {
        throw new ConfigError(`${setting}: secret reference ${shown} needs AZURE_KEY_VAULT_URL`, {
          code: 'secret_unresolved',
          suggestion: 'Set AZURE_KEY_VAULT_URL to the vault, e.g. https://my-vault.vault.azure.net.',
        });
      }
      const fetchSecret = context.fetchKeyVaultSecret ?? fetchFromKeyVault;
      try {
        return await fetchSecret(context.keyVaultUrl, reference.target);
      } catch (error) {
        const reason = error instanceof Error ? firstLine(error.message) : 'unknown error';
        throw new ConfigError(
          `${setting}: secret reference ${shown} could not be read from Key Vault (${reason})`,
          {
            code: 'secret_unresolved',
            suggestion:
              'Check AZURE_KEY_VAULT_URL, the secret name and that this identity has "get" on secrets.',
            cause: error,
          },
        );
      }
    }
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 200);
}

async function fetchFromKeyVault(vaultUrl: string, name: string): Promise<string> {
  const [{ SecretClient }, { DefaultAzureCredential }] = await Promise.all([
    import('@azure/keyvault-secrets'),
    import('@azure/identity'),
  ]);
  const client = new SecretClient(vaultUrl, new DefaultAzureCredential(), {
    retryOptions: { maxRetries: 1 },
  });
  const secret = await client.getSecret(name, { abortSignal: AbortSignal.timeout(10_000) });
  if (secret.value === undefined) throw new Error('the secret has no value');
  return secret.value;
}
