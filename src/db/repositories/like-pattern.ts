/** A `%…%` LIKE pattern matching the text literally (wildcards and the escape escaped); use with `escape '\\'`. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
