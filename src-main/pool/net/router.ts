/**
 * xprtld's route table: patterns like `/xdc/v1/volumes/{vdiId}/activate` compiled once into
 * matchers, looked up per request. Owns nothing but matching; auth and bodies live in xprtld.
 */

export interface CompiledPattern {
  readonly pattern: string;
  readonly names: readonly string[];
  readonly regex: RegExp;
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export function compilePattern(pattern: string): CompiledPattern {
  if (!pattern.startsWith('/')) throw new Error(`route pattern must start with '/': ${pattern}`);
  const names: string[] = [];
  const parts = pattern
    .split('/')
    .slice(1)
    .map((segment) => {
      const m = PARAM.exec(segment);
      if (m) {
        if (names.includes(m[1]!)) throw new Error(`route pattern repeats {${m[1]}}: ${pattern}`);
        names.push(m[1]!);
        return '([^/]+)';
      }
      if (segment.includes('{') || segment.includes('}'))
        throw new Error(`bad route segment '${segment}' in ${pattern}`);
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
  return { pattern, names, regex: new RegExp(`^/${parts.join('/')}/?$`) };
}

/** Path parameters of `path` if it matches, else null. A parameter that is not valid %-encoding does not match. */
export function matchPattern(p: CompiledPattern, path: string): Record<string, string> | null {
  const m = p.regex.exec(path);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.names.length; i++) {
    try {
      params[p.names[i]!] = decodeURIComponent(m[i + 1]!);
    } catch {
      return null;
    }
  }
  return params;
}
