/** A Markdown table, and text made safe to stand in one of its cells. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}
