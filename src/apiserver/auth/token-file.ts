import { readFileSync } from 'node:fs';
import { OkubeError } from '../../util/errors.js';
import { authenticatedUser, type UserInfo } from './user.js';

// kube-apiserver's --token-auth-file: CSV lines `token,user,uid[,"group1,group2"]`; blank lines
// and lines starting with # are skipped. A line with fewer than three columns, an empty token or
// user, or a token seen twice is an error naming the line (as kube-apiserver refuses to start).

/** Splits one CSV line (RFC 4180 quoting: "a,b" and "" for a quote). */
function csvFields(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') return undefined;
    } else {
      const end = line.indexOf(',', i);
      field = end < 0 ? line.slice(i) : line.slice(i, end);
      i = end < 0 ? line.length : end;
    }
    out.push(field.trim());
    if (i >= line.length) return out;
    i++; // the comma
  }
}

export function parseTokenFile(text: string, file = 'token file'): Map<string, UserInfo> {
  const users = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const f = csvFields(line);
    const where = `${file} line ${idx + 1}`;
    if (!f || f.length < 3) throw new OkubeError('ConfigError', `${where}: expected token,user,uid[,"group1,group2"]`);
    const [token, name, uid, groups] = f;
    if (!token || !name) throw new OkubeError('ConfigError', `${where}: token and user must not be empty`);
    if (users.has(token)) throw new OkubeError('ConfigError', `${where}: duplicate token`);
    const gs = (groups ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    users.set(token, authenticatedUser(name, gs, uid || undefined));
  });
  return users;
}

export function readTokenFile(file: string): Map<string, UserInfo> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OkubeError('ConfigError', `--token-auth-file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseTokenFile(text, file);
}
