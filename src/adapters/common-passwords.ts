import { dictionary } from '@zxcvbn-ts/language-common';
import { passwordMinLength } from '../domain/password-policy.js';

// Passwords Estonian users reach for that an English-language list misses.
const estonianCommon = [
  'parool123', 'parool1234', 'parool12345', 'salasona', 'salasõna', 'salasona1', 'salasõna1',
  'salasona123', 'salasõna123', 'eesti123', 'eesti2024', 'eesti2025', 'eesti2026', 'tallinn1',
  'tallinn123', 'tartu123', 'kannatanu', 'kannatanuabi', 'konsult123', 'konsultatsioon',
  'qwertyuiop', 'asdfghjkl', 'õunapuu1',
];

/**
 * The most common passwords (zxcvbn's list of about 49,000, plus Estonian ones), lower-cased,
 * keeping only those long enough to pass the length rule: the shorter ones are refused anyway.
 */
export function loadCommonPasswords(): (candidate: string) => boolean {
  const set = new Set<string>();
  for (const word of [...dictionary.passwords, ...estonianCommon]) {
    if (word.length >= passwordMinLength) set.add(word.toLowerCase());
  }
  return (candidate) => set.has(candidate.toLowerCase());
}
