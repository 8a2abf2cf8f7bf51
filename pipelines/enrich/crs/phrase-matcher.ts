/**
 * `@pm` and `@pmFromFile`: many phrases, case-insensitive, found anywhere in a value in one pass
 * (Aho–Corasick), as ModSecurity does. States live in flat arrays; each keeps its edges in a small map.
 */
export class PhraseMatcher {
  private readonly edges: Array<Map<number, number>> = [new Map()];
  private readonly fail: number[] = [0];
  /** The phrase that ends at a state (directly or through its fail chain), or '' for none. */
  private readonly output: string[] = [''];

  constructor(phrases: readonly string[]) {
    for (const phrase of phrases) {
      if (phrase === '') continue;
      let state = 0;
      for (const char of phrase.toLowerCase()) {
        const code = char.charCodeAt(0);
        let next = this.edges[state]?.get(code);
        if (next === undefined) {
          next = this.edges.length;
          this.edges.push(new Map());
          this.fail.push(0);
          this.output.push('');
          (this.edges[state] as Map<number, number>).set(code, next);
        }
        state = next;
      }
      if (this.output[state] === '') this.output[state] = phrase;
    }
    this.link();
  }

  /** Breadth-first, so a state's fail link is known before its children's. */
  private link(): void {
    const queue: number[] = [...(this.edges[0] as Map<number, number>).values()];
    for (let head = 0; head < queue.length; head += 1) {
      const state = queue[head] as number;
      for (const [code, child] of this.edges[state] as Map<number, number>) {
        let fallback = this.fail[state] as number;
        while (fallback !== 0 && !(this.edges[fallback] as Map<number, number>).has(code)) fallback = this.fail[fallback] as number;
        const target = (this.edges[fallback] as Map<number, number>).get(code);
        this.fail[child] = target !== undefined && target !== child ? target : 0;
        if (this.output[child] === '') this.output[child] = this.output[this.fail[child] as number] as string;
        queue.push(child);
      }
    }
  }

  /** The first phrase found in `text`, or undefined. */
  find(text: string): string | undefined {
    let state = 0;
    for (let i = 0; i < text.length; i += 1) {
      let code = text.charCodeAt(i);
      if (code >= 65 && code <= 90) code += 32;
      let next = (this.edges[state] as Map<number, number>).get(code);
      while (next === undefined && state !== 0) {
        state = this.fail[state] as number;
        next = (this.edges[state] as Map<number, number>).get(code);
      }
      state = next ?? 0;
      const found = this.output[state];
      if (found !== '') return found;
    }
    return undefined;
  }
}
