/**
 * The part of ModSecurity's rule language (SecLang) that CRS's request rules are written in: `SecRule`,
 * `SecAction` and `SecMarker`, with Apache's quoting (a backslash escapes only the quote that opened the
 * string, so regular expressions keep their backslashes).
 */

export interface Action {
  name: string;
  value: string;
}

export interface Directive {
  kind: 'SecRule' | 'SecAction' | 'SecMarker';
  /** `SecRule` only: the variables and the operator as written. */
  variables: string;
  operator: string;
  actions: Action[];
  /** `SecMarker` only. */
  marker: string;
  file: string;
  line: number;
}

/** Logical lines: comments dropped, lines ending in a backslash joined to the next. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (pending === '' && /^\s*(#|$)/.test(line)) return;
    if (pending === '') start = index + 1;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1);
      return;
    }
    out.push({ text: pending + line, line: start });
    pending = '';
  });
  return out;
}

/** Arguments of a directive: quoted with " or ', or bare words. */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  let at = 0;
  while (at < text.length) {
    while (at < text.length && /\s/.test(text[at] as string)) at += 1;
    if (at >= text.length) break;
    const quote = text[at];
    if (quote === '"' || quote === "'") {
      let value = '';
      at += 1;
      while (at < text.length && text[at] !== quote) {
        if (text[at] === '\\' && text[at + 1] === quote) at += 1;
        value += text[at];
        at += 1;
      }
      args.push(value);
      at += 1;
    } else {
      const end = text.slice(at).search(/\s/);
      const word = end < 0 ? text.slice(at) : text.slice(at, at + end);
      args.push(word);
      at += word.length;
    }
  }
  return args;
}

/** `id:1,phase:2,msg:'a, b',t:none` into actions; a value may be single-quoted and hold commas. */
export function parseActions(text: string): Action[] {
  const actions: Action[] = [];
  let at = 0;
  while (at < text.length) {
    while (at < text.length && /[\s,]/.test(text[at] as string)) at += 1;
    if (at >= text.length) break;
    let name = '';
    while (at < text.length && text[at] !== ':' && text[at] !== ',') name += text[at++];
    let value = '';
    if (text[at] === ':') {
      at += 1;
      while (at < text.length && /\s/.test(text[at] as string)) at += 1;
      if (text[at] === "'") {
        at += 1;
        while (at < text.length && text[at] !== "'") {
          if (text[at] === '\\' && text[at + 1] === "'") at += 1;
          value += text[at++];
        }
        at += 1;
      } else {
        while (at < text.length && text[at] !== ',') value += text[at++];
      }
    }
    actions.push({ name: name.trim(), value: value.trim() });
  }
  return actions;
}

export function parseRuleFile(text: string, file: string): Directive[] {
  const directives: Directive[] = [];
  for (const { text: line, line: number } of logicalLines(text)) {
    const [name, ...args] = splitArguments(line);
    const base = { variables: '', operator: '', actions: [] as Action[], marker: '', file, line: number };
    if (name === 'SecRule') {
      if (args.length < 2) throw new Error(`${file}:${number}: SecRule needs variables and an operator`);
      directives.push({ ...base, kind: 'SecRule', variables: args[0] as string, operator: args[1] as string, actions: parseActions(args[2] ?? '') });
    } else if (name === 'SecAction') {
      directives.push({ ...base, kind: 'SecAction', actions: parseActions(args[0] ?? '') });
    } else if (name === 'SecMarker') {
      directives.push({ ...base, kind: 'SecMarker', marker: args[0] ?? '' });
    }
    // Other directives (SecComponentSignature, SecRuleUpdateTargetById …) configure an engine, not a request.
  }
  return directives;
}
