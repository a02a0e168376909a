import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  applicationEvents,
  applicationStatuses,
  assertMayActOnApplication,
  nextApplicationStatus,
  type ApplicationEvent,
  type ApplicationStatus,
} from '../../src/domain/experts.js';
import type { Actor, GrantableRole } from '../../src/domain/roles.js';

/**
 * The whole lifecycle, written out: `submitted` → approved | rejected | needs_info; from
 * `needs_info` the applicant resubmits (or a reviewer rejects); an open application can be
 * withdrawn; decided and withdrawn applications are final. `null` = refused (INVALID_STATE).
 */
const expected: Record<ApplicationStatus, Record<ApplicationEvent, ApplicationStatus | null>> = {
  submitted: { approve: 'approved', reject: 'rejected', askForInfo: 'needs_info', resubmit: null, withdraw: 'withdrawn' },
  needs_info: { approve: null, reject: 'rejected', askForInfo: null, resubmit: 'submitted', withdraw: 'withdrawn' },
  approved: { approve: null, reject: null, askForInfo: null, resubmit: null, withdraw: null },
  rejected: { approve: null, reject: null, askForInfo: null, resubmit: null, withdraw: null },
  withdrawn: { approve: null, reject: null, askForInfo: null, resubmit: null, withdraw: null },
};

const statuses = Object.keys(expected) as ApplicationStatus[];
const events = ['approve', 'reject', 'askForInfo', 'resubmit', 'withdraw'] as const satisfies readonly ApplicationEvent[];
const pairs = statuses.flatMap((status) => events.map((event) => ({ status, event, next: expected[status][event] })));

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the expert application lifecycle', () => {
  it('covers every status and event the domain knows', () => {
    expect([...applicationStatuses].sort()).toEqual([...statuses].sort());
    expect([...applicationEvents].sort()).toEqual([...events].sort());
    expect(pairs).toHaveLength(25);
  });

  it.each(pairs.filter((pair) => pair.next !== null))('$status + $event → $next', ({ status, event, next }) => {
    expect(nextApplicationStatus(status, event)).toBe(next);
  });

  it.each(pairs.filter((pair) => pair.next === null))('$status + $event is refused as INVALID_STATE', ({ status, event }) => {
    const error = errorOf(() => nextApplicationStatus(status, event));
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('INVALID_STATE');
    expect((error as DomainError).details).toMatchObject({ status, event });
  });
});

describe('who may act on an application', () => {
  const applicantId = 10;
  const application = { userId: applicantId };
  const actor = (id: number, roles: GrantableRole[]): Actor => ({ id, name: `User ${id}`, email: `user${id}@example.ee`, locale: 'et', roles });

  const applicant = actor(applicantId, []);
  const applicantWhoIsStaff = actor(applicantId, ['moderator']);
  const moderator = actor(20, ['moderator']);
  const admin = actor(21, ['admin']);
  const moderatorAndAdmin = actor(22, ['moderator', 'admin']);
  const otherCustomer = actor(30, []);
  const otherExpert = actor(31, ['expert']);
  const applicantAsExpert = actor(applicantId, ['expert']);

  const refusal = (who: Actor, event: ApplicationEvent) => {
    const error = errorOf(() => assertMayActOnApplication(who, application, event));
    return error instanceof DomainError ? error.code : error;
  };

  describe.each(['approve', 'reject', 'askForInfo'] as const)('%s (a reviewer decision)', (event) => {
    it.each([
      ['a moderator', moderator],
      ['an admin', admin],
      ['a moderator who is also an admin', moderatorAndAdmin],
    ])('is allowed for %s', (_name, who) => {
      expect(refusal(who, event)).toBeUndefined();
    });

    it.each([
      ['the applicant', applicant],
      ['the applicant who is already an expert', applicantAsExpert],
      ['the applicant who is a moderator (nobody reviews their own application)', applicantWhoIsStaff],
      ['the applicant who is an admin', actor(applicantId, ['admin'])],
      ['another customer', otherCustomer],
      ['another expert', otherExpert],
    ])('is refused as FORBIDDEN for %s', (_name, who) => {
      expect(refusal(who, event)).toBe('FORBIDDEN');
    });
  });

  describe.each(['resubmit', 'withdraw'] as const)('%s (the applicant’s own step)', (event) => {
    it('is allowed for the applicant', () => {
      expect(refusal(applicant, event)).toBeUndefined();
    });

    it('is allowed for the applicant who happens to hold a staff role', () => {
      expect(refusal(applicantWhoIsStaff, event)).toBeUndefined();
    });

    it.each([
      ['a moderator', moderator],
      ['an admin', admin],
      ['another customer', otherCustomer],
      ['another expert', otherExpert],
    ])('is refused as NOT_FOUND for %s', (_name, who) => {
      expect(refusal(who, event)).toBe('NOT_FOUND');
    });
  });
});
