import { UsageError } from '../core/errors.js';
import type { UserStore } from '../store/chat-types.js';
import { runCommand, type CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import { printRows } from './print.js';
import { readNewPassword } from './read-password.js';

// `llmops serve user add|list|remove|passwd`: the accounts `serve` logs people in with, kept
// in the --db database (scrypt hashes). Passwords come from stdin or a hidden prompt.

export type PasswordFlags = { passwordStdin?: boolean };

async function userStore(scope: CommandScope, opts?: { mustExist?: boolean }): Promise<UserStore> {
  const db = await scope.db(opts);
  const { SqlUserStore } = await import('../store/sql-user-store.js');
  return new SqlUserStore(db.db);
}

export async function addServeUser(ctx: Context, name: string, flags: PasswordFlags): Promise<void> {
  const { checkUserName } = await import('../store/sql-user-store.js');
  checkUserName(name); // before asking for a password for it
  const password = await readNewPassword(name, Boolean(flags.passwordStdin));
  await runCommand(ctx, async (scope) => {
    await (await userStore(scope)).add(name, password);
    scope.summary('serve user add', { user: name, added: true });
  });
}

export async function listServeUsers(ctx: Context): Promise<void> {
  await runCommand(ctx, async (scope) => {
    const users = await (await userStore(scope, { mustExist: true })).list();
    printRows(ctx, users.map((u) => ({ name: u.name, created_at: u.created_at })));
  });
}

export async function changeServePassword(ctx: Context, name: string, flags: PasswordFlags): Promise<void> {
  await runCommand(ctx, async (scope) => {
    const users = await userStore(scope, { mustExist: true });
    // Known before a password is asked for, so nobody types one for a typo.
    if (!(await users.exists(name))) throw noUser(name);
    const password = await readNewPassword(name, Boolean(flags.passwordStdin));
    if (!(await users.setPassword(name, password))) throw noUser(name);
    scope.summary('serve user passwd', { user: name, changed: true });
  });
}

/**
 * Removes the account's conversations, then the account: a new account of the same name later
 * must not find the old one's history. In that order so that a failure between the two (Redis
 * out of reach) leaves the account, and the command can be run again; a name whose account is
 * gone but whose conversations were left (by an llmops that removed the account first) has
 * them removed too.
 */
export async function removeServeUser(ctx: Context, name: string): Promise<void> {
  await runCommand(ctx, async (scope) => {
    const users = await userStore(scope, { mustExist: true });
    const { openSessionStore } = await import('../store/open-session-store.js');
    const sessions = scope.use(await openSessionStore({ db: () => scope.db() }), (s) => s.close());
    const owned = await sessions.list(name);
    for (const s of owned) await sessions.delete(s.id, name);
    const removed = await users.remove(name);
    if (!removed && owned.length === 0) throw noUser(name);
    scope.summary('serve user remove', { user: name, removed, sessions_deleted: owned.length });
  });
}

const noUser = (name: string) => new UsageError(`no serve user ${JSON.stringify(name)} (llmops serve user list shows them)`);
