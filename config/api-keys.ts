import { z } from 'zod';
import { ApiRoleSchema, type ApiRole } from '../domain/api';
import { listEntries } from './forms';

export interface ConfiguredApiKey {
  name: string;
  role: ApiRole;
  key: string;
  carrierCode?: string;
}

const NAME = /^[A-Za-z0-9._-]{1,60}$/;

/**
 * `name:role:key[:carrierCode],…`. The name is what ops actions are attributed to, so it must be
 * unique and printable; the key must be long enough not to be guessed.
 */
export const apiKeysForm = z.string().transform((raw, ctx): ConfiguredApiKey[] => {
  const keys: ConfiguredApiKey[] = [];
  const names = new Set<string>();
  // A key names one caller: the same key under two names (a copy and paste) gave whoever holds it the role of the last.
  const owners = new Map<string, string>();
  const entries = listEntries(raw);
  for (const [i, entry] of entries.entries()) {
    const [name, role, key, carrierCode, ...rest] = entry.split(':');
    const parsedRole = ApiRoleSchema.safeParse(role);
    const problem =
      !name || !NAME.test(name)
        ? `entry ${i + 1} has no valid name (letters, digits, ".", "_", "-")`
        : !parsedRole.success || !key || rest.length > 0
          ? `"${name}" is not name:role:key[:carrierCode] with role intake, ops or carrier`
          : key.length < 16
            ? `the key of "${name}" is shorter than 16 characters`
            : !/^[\x21-\x7e]+$/.test(key)
              ? `the key of "${name}" is not printable ASCII without spaces`
              : parsedRole.data === 'carrier' && !carrierCode
                ? `carrier key "${name}" names no carrier`
                : names.has(name)
                  ? `"${name}" appears twice`
                  : owners.has(key)
                    ? `"${name}" has the key of "${owners.get(key)}": each name needs its own key`
                    : undefined;
    if (problem !== undefined || !parsedRole.success || !name || !key) {
      ctx.addIssue({ code: 'custom', message: problem ?? `entry ${i + 1} is invalid` });
      return z.NEVER;
    }
    names.add(name);
    owners.set(key, name);
    keys.push({ name, role: parsedRole.data, key, ...(carrierCode ? { carrierCode } : {}) });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'no key in it' });
    return z.NEVER;
  }
  return keys;
});
