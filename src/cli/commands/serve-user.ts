import type { Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { PasswordFlags } from '../../app/serve-users.js';

const app = () => import('../../app/serve-users.js');
const context = (cmd: Command) => createContext(cmd.optsWithGlobals());

const PASSWORD_HELP = `
The password is never an argument (anyone on the machine can read arguments with ps): on a
terminal it is asked for twice without echo; in a script, pipe it in with --password-stdin.`;

/** `serve user add|list|remove|passwd`, attached to the `serve` command given. */
export function registerServeUserCommands(serve: Command): void {
  const user = serve
    .command('user')
    .description('Accounts that may log in to `llmops serve` (names and scrypt password hashes, in the --db database)')
    .addHelpText(
      'after',
      `
Examples:
  llmops serve user add ada                              asks for the password twice
  printf '%s' "$PASSWORD" | llmops serve user add ada --password-stdin
  llmops serve user list
  llmops serve user passwd ada
  llmops serve user remove ada                           and her conversations`,
    );

  user
    .command('add')
    .argument('<name>', "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    .description('Add an account')
    .option('--password-stdin', 'read the password from stdin (one trailing newline is dropped)')
    .addHelpText('after', PASSWORD_HELP)
    .action(async (name: string, f: PasswordFlags, cmd: Command) => (await app()).addServeUser(await context(cmd), name, f));

  user
    .command('list')
    .description('List the accounts (names and when they were made; never a hash)')
    .action(async (_f, cmd: Command) => (await app()).listServeUsers(await context(cmd)));

  user
    .command('passwd')
    .argument('<name>', 'the account')
    .description("Change an account's password")
    .option('--password-stdin', 'read the new password from stdin (one trailing newline is dropped)')
    .addHelpText('after', PASSWORD_HELP)
    .action(async (name: string, f: PasswordFlags, cmd: Command) => (await app()).changeServePassword(await context(cmd), name, f));

  user
    .command('remove')
    .argument('<name>', 'the account')
    .description('Remove an account and its chat sessions (in the database, or Redis with REDIS_URL)')
    .action(async (name: string, _f, cmd: Command) => (await app()).removeServeUser(await context(cmd), name));
}
