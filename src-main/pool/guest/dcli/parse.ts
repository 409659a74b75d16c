/**
 * Parsing the words after the command words against the command's declaration: `--opt value`,
 * `--opt=value`, flags, `--json`, `--` to end options, and the positional arguments. Every
 * mistake is a UsageError naming it.
 */
import { type Command, type Invocation, UsageError } from './command';

export function parseInvocation(c: Command, words: readonly string[]): Invocation {
  const args: string[] = [];
  const options = new Map<string, string | true>();
  let json = false;
  let optionsDone = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!optionsDone && w === '--') {
      optionsDone = true;
      continue;
    }
    if (!optionsDone && w.startsWith('--') && w.length > 2) {
      const eq = w.indexOf('=');
      const name = (eq >= 0 ? w.slice(2, eq) : w.slice(2)).toLowerCase();
      if (name === 'json' && c.json) {
        if (eq >= 0) throw new UsageError('--json takes no value');
        json = true;
        continue;
      }
      const spec = c.options.find((o) => o.name === name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
      if (options.has(name)) throw new UsageError(`--${name} is given twice`);
      if (spec.value) {
        let v: string | undefined;
        if (eq >= 0) v = w.slice(eq + 1);
        else v = words[++i];
        if (v === undefined || v === '') throw new UsageError(`--${name} needs a value <${spec.value}>`);
        options.set(name, v);
      } else {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        options.set(name, true);
      }
      continue;
    }
    if (!optionsDone && /^-[A-Za-z]/.test(w)) throw new UsageError(`unknown option ${w}`);
    args.push(w);
  }
  for (const o of c.options)
    if (o.required && !options.has(o.name)) throw new UsageError(`--${o.name} <${o.value}> is required`);
  const required = c.args.filter((a) => !a.optional).length;
  const rest = c.args.some((a) => a.rest);
  if (args.length < required) throw new UsageError(`missing <${c.args[args.length]!.name}>`);
  if (!rest && args.length > c.args.length)
    throw new UsageError(`unexpected argument '${args[c.args.length]}'`);
  return { args, options, json };
}
