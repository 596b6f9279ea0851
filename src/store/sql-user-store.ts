import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Kysely } from 'kysely';
import { UsageError } from '../core/errors.js';
import type { ServeAccount, ServeUser, UserStore } from './chat-types.js';
import type { Database } from './types.js';

export type ScryptParams = { N: number; r: number; p: number };

/**
 * Django's scrypt hasher uses N=2^14, r=8, p=1; twice its memory and time here. Each hash keeps
 * its own parameters, so raising these later does not lock anyone out: an account moves to the
 * new ones on its next good login.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 64;
const SALT_BYTES = 16;

function scrypt(password: string, salt: Buffer, params: ScryptParams, keylen = KEY_LENGTH): Promise<Buffer> {
  // maxmem above the 128·N·r bytes scrypt needs (node's default cap is exactly 32 MiB).
  const opts: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scryptCallback(password.normalize('NFC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A name goes into URLs, tokens and Redis keys: a short, plain one. */
export function checkUserName(name: string): void {
  if (!NAME.test(name)) throw new UsageError(`user name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
}

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

function checkPassword(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD) throw new UsageError(`password: at least ${MIN_PASSWORD} characters`);
  if (length > MAX_PASSWORD) throw new UsageError(`password: at most ${MAX_PASSWORD} characters`);
}

type Hashed = { password_hash: string; password_salt: string; scrypt_n: number; scrypt_r: number; scrypt_p: number };

/** `serve` accounts in the --db database, passwords hashed with scrypt (node:crypto). */
export class SqlUserStore implements UserStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly params: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  private async hash(password: string): Promise<Hashed> {
    const salt = randomBytes(SALT_BYTES);
    const key = await scrypt(password, salt, this.params);
    const { N, r, p } = this.params;
    return { password_hash: key.toString('base64'), password_salt: salt.toString('base64'), scrypt_n: N, scrypt_r: r, scrypt_p: p };
  }

  /** Stands in for an unknown name's hash: the check costs what a real one costs, and never matches. */
  private dummy(): Hashed {
    const { N, r, p } = this.params;
    const never = Buffer.alloc(KEY_LENGTH).toString('base64');
    return { password_hash: never, password_salt: randomBytes(SALT_BYTES).toString('base64'), scrypt_n: N, scrypt_r: r, scrypt_p: p };
  }

  private async matches(password: string, h: Hashed): Promise<boolean> {
    const expected = Buffer.from(h.password_hash, 'base64');
    const got = await scrypt(password, Buffer.from(h.password_salt, 'base64'), { N: h.scrypt_n, r: h.scrypt_r, p: h.scrypt_p }, expected.length);
    return timingSafeEqual(got, expected);
  }

  async add(name: string, password: string): Promise<void> {
    checkUserName(name);
    checkPassword(password);
    const now = new Date().toISOString();
    const row = { name, ...(await this.hash(password)), created_at: now, updated_at: now };
    const r = await this.db.insertInto('serve_users').values(row).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) throw new UsageError(`user ${JSON.stringify(name)} already exists`);
  }

  async verify(name: string, password: string): Promise<ServeAccount | null> {
    const row = NAME.test(name) ? await this.db.selectFrom('serve_users').selectAll().where('name', '=', name).executeTakeFirst() : undefined;
    if (!row) {
      await this.matches(password, this.dummy()); // same work as a real check: the name's existence does not show
      return null;
    }
    if (!(await this.matches(password, row))) return null;
    const { N, r, p } = this.params;
    if (row.scrypt_n !== N || row.scrypt_r !== r || row.scrypt_p !== p) await this.rehash(name, password);
    return { name: row.name, created_at: row.created_at, stamp: row.updated_at };
  }

  /** A good login under old parameters moves the hash to the current ones. */
  private async rehash(name: string, password: string): Promise<void> {
    await this.db.updateTable('serve_users').set(await this.hash(password)).where('name', '=', name).execute();
  }

  async list(): Promise<ServeUser[]> {
    return this.db.selectFrom('serve_users').select(['name', 'created_at']).orderBy('name').execute();
  }

  async exists(name: string): Promise<boolean> {
    return (await this.db.selectFrom('serve_users').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;
  }

  // updated_at is the stamp: set by `add` and `setPassword` (never by a rehash on login, which
  // keeps the password), to the millisecond; an account made again gets a later one.
  async stamp(name: string): Promise<string | undefined> {
    return (await this.db.selectFrom('serve_users').select('updated_at').where('name', '=', name).executeTakeFirst())?.updated_at;
  }

  async remove(name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('serve_users').where('name', '=', name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async setPassword(name: string, password: string): Promise<boolean> {
    checkPassword(password);
    const r = await this.db
      .updateTable('serve_users')
      .set({ ...(await this.hash(password)), updated_at: new Date().toISOString() })
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
