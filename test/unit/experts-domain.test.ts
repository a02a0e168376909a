import { describe, expect, it } from 'vitest';
import {
  applicationProblems,
  displayNameOf,
  isOnLeave,
  ratingSummary,
  searchTextOf,
  type ApplicationInput,
} from '../../src/domain/experts.js';

const activeFieldIds: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

function person(overrides: Partial<ApplicationInput> = {}): ApplicationInput {
  return {
    kind: 'person',
    fullName: 'Kati Karu',
    personalIdCode: '49403136526',
    organisationName: null,
    registryCode: null,
    contactPerson: null,
    qualifications: 'Tartu Ülikool, õigusteaduse magister.',
    bio: 'Aitan ohvritel oma õigusi kaitsta.',
    languages: ['et', 'en'],
    fieldIds: [1, 2],
    priceLevel: 2,
    note: null,
    ...overrides,
  };
}

function organisation(overrides: Partial<ApplicationInput> = {}): ApplicationInput {
  return {
    kind: 'organisation',
    fullName: null,
    personalIdCode: null,
    organisationName: 'Õigusbüroo Mänd OÜ',
    registryCode: '12417834',
    contactPerson: 'Mart Mänd',
    qualifications: 'Kolm advokaati, kogemus alates 2005.',
    bio: 'Büroo aitab liiklusõnnetustes kannatanuid.',
    languages: ['et'],
    fieldIds: [3],
    priceLevel: 3,
    note: null,
    ...overrides,
  };
}

describe('what an application must contain', () => {
  describe('complete applications', () => {
    it('finds no problem in a complete person application', () => {
      expect(applicationProblems(person(), activeFieldIds)).toEqual({});
    });

    it('finds no problem in a person who also names the organisation they work for', () => {
      expect(applicationProblems(person({ organisationName: 'Õigusbüroo Mänd OÜ', registryCode: '10539549' }), activeFieldIds)).toEqual({});
    });

    it('finds no problem in a complete organisation application', () => {
      expect(applicationProblems(organisation(), activeFieldIds)).toEqual({});
    });

    it('accepts every valid registry code first digit for an organisation (MTÜ, state, foundation)', () => {
      for (const registryCode of ['80231423', '70004459', '74000047', '14532901']) {
        expect(applicationProblems(organisation({ registryCode }), activeFieldIds), registryCode).toEqual({});
      }
    });
  });

  describe('a person', () => {
    it('needs a name', () => {
      expect(applicationProblems(person({ fullName: null }), activeFieldIds)).toEqual({ fullName: 'required' });
      expect(applicationProblems(person({ fullName: '' }), activeFieldIds)).toEqual({ fullName: 'required' });
    });

    it('needs an ID code', () => {
      expect(applicationProblems(person({ personalIdCode: null }), activeFieldIds)).toEqual({ personalIdCode: 'required' });
      expect(applicationProblems(person({ personalIdCode: '' }), activeFieldIds)).toEqual({ personalIdCode: 'required' });
    });

    it.each([
      ['a wrong check digit', '36805280108'],
      ['an impossible date', '38502300001'],
      ['too few digits', '3680528010'],
      ['letters', 'ABC05280109'],
    ])('is told the ID code is invalid for %s', (_name, personalIdCode) => {
      expect(applicationProblems(person({ personalIdCode }), activeFieldIds)).toEqual({ personalIdCode: 'personalIdCodeInvalid' });
    });

    it('needs the registry code when naming an organisation', () => {
      expect(applicationProblems(person({ organisationName: 'Õigusbüroo Mänd OÜ' }), activeFieldIds)).toEqual({ registryCode: 'registryCodeWithName' });
    });

    it('needs the organisation name when giving a registry code', () => {
      expect(applicationProblems(person({ registryCode: '12417834' }), activeFieldIds)).toEqual({ organisationName: 'organisationNameWithCode' });
    });

    it('is told an organisation registry code is invalid', () => {
      expect(applicationProblems(person({ organisationName: 'Õigusbüroo Mänd OÜ', registryCode: '12417835' }), activeFieldIds)).toEqual({
        registryCode: 'registryCodeInvalid',
      });
    });

    it('is told both when an invalid registry code comes without a name', () => {
      expect(applicationProblems(person({ registryCode: '22417834' }), activeFieldIds)).toEqual({
        organisationName: 'organisationNameWithCode',
        registryCode: 'registryCodeInvalid',
      });
    });

    it('needs no contact person', () => {
      expect(applicationProblems(person({ contactPerson: null }), activeFieldIds)).toEqual({});
    });
  });

  describe('an organisation', () => {
    it('needs a name', () => {
      expect(applicationProblems(organisation({ organisationName: null }), activeFieldIds)).toEqual({ organisationName: 'required' });
    });

    it('needs a registry code', () => {
      expect(applicationProblems(organisation({ registryCode: null }), activeFieldIds)).toEqual({ registryCode: 'required' });
      expect(applicationProblems(organisation({ registryCode: '' }), activeFieldIds)).toEqual({ registryCode: 'required' });
    });

    it('needs a contact person', () => {
      expect(applicationProblems(organisation({ contactPerson: null }), activeFieldIds)).toEqual({ contactPerson: 'required' });
    });

    it.each([
      ['a wrong check digit', '12417835'],
      ['a first digit that is no register', '22417834'],
      ['too few digits', '1241783'],
      ['spaces', '1241 7834'],
      ['an isikukood', '36805280109'],
    ])('is told the registry code is invalid for %s', (_name, registryCode) => {
      expect(applicationProblems(organisation({ registryCode }), activeFieldIds)).toEqual({ registryCode: 'registryCodeInvalid' });
    });

    it('needs neither a person name nor an ID code', () => {
      expect(applicationProblems(organisation({ fullName: null, personalIdCode: null }), activeFieldIds)).toEqual({});
    });
  });

  describe('what both describe', () => {
    it('needs qualifications and a bio', () => {
      expect(applicationProblems(person({ qualifications: '', bio: '' }), activeFieldIds)).toEqual({ qualifications: 'required', bio: 'required' });
    });

    it('needs at least one field', () => {
      expect(applicationProblems(person({ fieldIds: [] }), activeFieldIds)).toEqual({ fieldIds: 'chooseField' });
    });

    it('allows 10 fields and refuses 11', () => {
      expect(applicationProblems(person({ fieldIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }), activeFieldIds)).toEqual({});
      expect(applicationProblems(person({ fieldIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }), activeFieldIds)).toEqual({ fieldIds: 'tooManyFields' });
    });

    it('refuses a field that is inactive or unknown', () => {
      const someActive = new Set([1, 2]);
      expect(applicationProblems(person({ fieldIds: [1, 3] }), someActive)).toEqual({ fieldIds: 'choiceInvalid' });
      expect(applicationProblems(person({ fieldIds: [999] }), activeFieldIds)).toEqual({ fieldIds: 'choiceInvalid' });
    });

    it('refuses a field id that is not a number', () => {
      expect(applicationProblems(person({ fieldIds: [Number.NaN] }), activeFieldIds)).toEqual({ fieldIds: 'choiceInvalid' });
      expect(applicationProblems(person({ fieldIds: [1, Number.NaN] }), activeFieldIds)).toEqual({ fieldIds: 'choiceInvalid' });
    });

    it('needs at least one language', () => {
      expect(applicationProblems(person({ languages: [] }), activeFieldIds)).toEqual({ languages: 'chooseLanguage' });
    });

    it('refuses an unknown language', () => {
      expect(applicationProblems(person({ languages: ['et', 'xx'] }), activeFieldIds)).toEqual({ languages: 'choiceInvalid' });
      expect(applicationProblems(person({ languages: ['ET'] }), activeFieldIds)).toEqual({ languages: 'choiceInvalid' });
    });

    it('accepts every consultation language', () => {
      const languages = ['et', 'en', 'ru', 'fi', 'uk', 'de', 'fr', 'lv', 'lt'];
      expect(applicationProblems(person({ languages }), activeFieldIds)).toEqual({});
    });

    it('needs a price level', () => {
      expect(applicationProblems(person({ priceLevel: null }), activeFieldIds)).toEqual({ priceLevel: 'choosePriceLevel' });
    });

    it.each([0, 4, 1.5, -1, Number.NaN])('refuses price level %s', (priceLevel) => {
      expect(applicationProblems(person({ priceLevel }), activeFieldIds)).toEqual({ priceLevel: 'choiceInvalid' });
    });

    it.each([1, 2, 3])('accepts price level %s', (priceLevel) => {
      expect(applicationProblems(person({ priceLevel }), activeFieldIds)).toEqual({});
    });

    it('needs no note', () => {
      expect(applicationProblems(person({ note: null }), activeFieldIds)).toEqual({});
    });
  });

  it('reports every problem at once', () => {
    const input = person({ fullName: null, personalIdCode: '36805280108', organisationName: 'Büroo', qualifications: '', bio: '', fieldIds: [], languages: [], priceLevel: null });
    expect(applicationProblems(input, activeFieldIds)).toEqual({
      fullName: 'required',
      personalIdCode: 'personalIdCodeInvalid',
      registryCode: 'registryCodeWithName',
      qualifications: 'required',
      bio: 'required',
      fieldIds: 'chooseField',
      languages: 'chooseLanguage',
      priceLevel: 'choosePriceLevel',
    });
  });

  it('reports every problem of an empty organisation at once', () => {
    const input = organisation({ organisationName: null, registryCode: null, contactPerson: null, languages: ['xx'], fieldIds: [999], priceLevel: 7 });
    expect(applicationProblems(input, activeFieldIds)).toEqual({
      organisationName: 'required',
      registryCode: 'required',
      contactPerson: 'required',
      fieldIds: 'choiceInvalid',
      languages: 'choiceInvalid',
      priceLevel: 'choiceInvalid',
    });
  });
});

describe('the public name of a profile', () => {
  it('is the person’s name for a person, even when they name an organisation', () => {
    expect(displayNameOf({ kind: 'person', fullName: 'Kati Karu', organisationName: 'Õigusbüroo Mänd OÜ' })).toBe('Kati Karu');
  });

  it('is the organisation’s name for an organisation', () => {
    expect(displayNameOf({ kind: 'organisation', fullName: 'Mart Mänd', organisationName: 'Õigusbüroo Mänd OÜ' })).toBe('Õigusbüroo Mänd OÜ');
  });

  it('is empty rather than missing when the name is not there', () => {
    expect(displayNameOf({ kind: 'person', fullName: null, organisationName: 'Büroo' })).toBe('');
    expect(displayNameOf({ kind: 'organisation', fullName: 'Mart', organisationName: null })).toBe('');
  });
});

describe('on leave', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');

  it('is not on leave when the expert did not say so, whatever the date', () => {
    expect(isOnLeave({ isOnLeave: false, leaveUntil: null }, now)).toBe(false);
    expect(isOnLeave({ isOnLeave: false, leaveUntil: '2026-04-01T21:00:00.000Z' }, now)).toBe(false);
  });

  it('is on leave without a return date until the expert ends it', () => {
    expect(isOnLeave({ isOnLeave: true, leaveUntil: null }, now)).toBe(true);
    expect(isOnLeave({ isOnLeave: true, leaveUntil: null }, new Date('2099-01-01T00:00:00.000Z'))).toBe(true);
  });

  it('is on leave before a future return date', () => {
    expect(isOnLeave({ isOnLeave: true, leaveUntil: '2026-03-14T22:00:00.000Z' }, now)).toBe(true);
  });

  it('is on leave until the very last millisecond before the return', () => {
    const back = '2026-03-14T22:00:00.000Z';
    expect(isOnLeave({ isOnLeave: true, leaveUntil: back }, new Date('2026-03-14T21:59:59.999Z'))).toBe(true);
  });

  it('is back at the return instant and after it', () => {
    const back = '2026-03-14T22:00:00.000Z';
    expect(isOnLeave({ isOnLeave: true, leaveUntil: back }, new Date(back))).toBe(false);
    expect(isOnLeave({ isOnLeave: true, leaveUntil: back }, new Date('2026-03-20T09:00:00.000Z'))).toBe(false);
  });
});

describe('the rating summary', () => {
  it('has no average without ratings', () => {
    expect(ratingSummary(0, 0, '[0,0,0,0,0]')).toEqual({ average: null, count: 0, distribution: [0, 0, 0, 0, 0] });
  });

  it('gives the average of whole ratings', () => {
    expect(ratingSummary(2, 9, '[0,0,0,1,1]')).toEqual({ average: 4.5, count: 2, distribution: [0, 0, 0, 1, 1] });
    expect(ratingSummary(1, 5, '[0,0,0,0,1]').average).toBe(5);
  });

  it.each([
    [3, 13, 4.3],
    [3, 14, 4.7],
    [20, 89, 4.5],
    [20, 21, 1.1],
    [40, 169, 4.2],
    [7, 7, 1],
  ])('rounds %s ratings summing to %s to one decimal: %s', (count, sum, average) => {
    expect(ratingSummary(count, sum, '[0,0,0,0,0]').average).toBe(average);
  });

  it.each([
    ['not JSON', 'oops'],
    ['empty', ''],
    ['an object', '{"1":2}'],
    ['four numbers', '[1,2,3,4]'],
    ['six numbers', '[1,2,3,4,5,6]'],
    ['a negative count', '[1,-2,3,4,5]'],
    ['a fraction', '[1,2.5,3,4,5]'],
    ['a string in it', '[1,"2",3,4,5]'],
    ['null', 'null'],
  ])('shows zeros for a damaged distribution (%s) but keeps the average', (_name, json) => {
    expect(ratingSummary(2, 8, json)).toEqual({ average: 4, count: 2, distribution: [0, 0, 0, 0, 0] });
  });
});

describe('the search text', () => {
  it('lowercases Estonian letters', () => {
    expect(searchTextOf(['ÕIGUSBÜROO ŠOKK ŽANR ÄRI ÖÖ'])).toBe('õigusbüroo šokk žanr äri öö');
  });

  it('finds a decomposed letter as the composed one', () => {
    // "O" + combining tilde is the same Õ the search box sends.
    expect(searchTextOf(['O\u0303ismäe'])).toBe('õismäe');
  });

  it('joins the parts and leaves out the empty ones', () => {
    const text = searchTextOf(['Kati Karu', null, undefined, '', 'Pereõigus']);
    expect(text).toContain('kati karu');
    expect(text).toContain('pereõigus');
    expect(text.split('\n').map((part) => part.trim())).toEqual(['kati karu', 'pereõigus']);
  });

  it('does not run two parts into one word', () => {
    expect(searchTextOf(['Karu', 'Mets'])).not.toContain('karumets');
  });
});
