import { InterruptedError, UsageError } from '../errors.js';
import type { Terminal } from './terminal.js';

/**
 * Asks a yes/no question on a TTY. `--yes` answers it; where no prompt can be asked
 * (CI, pipes) the confirmation is a usage error naming the flag to pass.
 */
export async function confirmAction(
  terminal: Terminal,
  message: string,
  options: { yes?: boolean; flag?: string } = {},
): Promise<boolean> {
  if (options.yes) return true;
  const flag = options.flag ?? '--yes';
  if (!terminal.interactive) {
    throw new UsageError(`Confirmation needed: ${message}`, {
      code: 'confirmation_required',
      suggestion: `Run on a terminal to be asked, or pass ${flag} to confirm.`,
    });
  }
  const { confirm } = await import('@inquirer/prompts');
  try {
    return await confirm({ message, default: false }, { output: process.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError')
      throw new InterruptedError('Cancelled at the prompt');
    throw error;
  }
}
