import { randomToken } from '../adapters/tokens.js';

/** A kept page's bytes between the places of the CSRF token. */
export type Pieces = Buffer[];

/**
 * Where a kept page's CSRF token goes. A page is drawn once with a random placeholder in the
 * token's place (`placeholder`, new in every process: no visitor's text can hold it), kept as the
 * bytes between (`split`), and every answer puts its visitor's own token back (`fill`).
 */
export class TokenSlots {
  readonly placeholder = `csrf-${randomToken(24)}`;

  split(html: string): Pieces {
    return html.split(this.placeholder).map((piece) => Buffer.from(piece, 'utf8'));
  }
}

/** The pieces with the token's bytes between them. */
export function filled(pieces: Pieces, token: Buffer): Buffer[] {
  return pieces.flatMap((piece, i) => (i === 0 ? [piece] : [token, piece]));
}
