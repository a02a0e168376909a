import type { PasswordHasher } from '../adapters/password-hasher.js';
import type { Clock } from '../adapters/clock.js';
import { iso } from '../adapters/clock.js';
import { tallinnDayOf } from '../domain/calendar.js';
import { endOfTallinnDay } from '../domain/inquiries.js';
import type { GrantableRole } from '../domain/roles.js';
import type { Db } from './database.js';
import { searchTextOf } from '../domain/experts.js';
import { insertApplication } from './repositories/expert-application-repository.js';
import { ensureOrganisation, insertProfile, replaceExpertFields, replaceExpertLanguages } from './repositories/expert-repository.js';
import { insertField } from './repositories/field-repository.js';
import { insertInquiry, insertInvitation, insertOffer } from './repositories/inquiry-repository.js';
import { insertConversation, insertMember, insertMessage } from './repositories/mailbox-repository.js';
import { countUsers, grantRole, insertUser, type Executor } from './repositories/user-repository.js';

/** The password of every demo account (documented in the README). */
export const demoPassword = 'Konsult-demo-2026';

/** The demo accounts: one per role, three experts of different fields (documented in the README). */
export const demoAccounts: { name: string; email: string; phone: string; locale: 'et' | 'en'; roles: GrantableRole[] }[] = [
  { name: 'Mari Maasikas', email: 'klient@demo.konsult.ee', phone: '+372 5123 4567', locale: 'et', roles: [] },
  { name: 'Jaan Tamm', email: 'jurist@demo.konsult.ee', phone: '+372 5234 5678', locale: 'et', roles: ['expert'] },
  { name: 'Liis Kask', email: 'psuhholoog@demo.konsult.ee', phone: '+372 5345 6789', locale: 'et', roles: ['expert'] },
  { name: 'Andres Mets', email: 'perekonnaoigus@demo.konsult.ee', phone: '+372 5456 7890', locale: 'en', roles: ['expert'] },
  { name: 'Kertu Saar', email: 'moderaator@demo.konsult.ee', phone: '+372 5567 8901', locale: 'et', roles: ['moderator'] },
  { name: 'Konsulti administraator', email: 'admin@demo.konsult.ee', phone: '+372 5678 9012', locale: 'et', roles: ['admin'] },
  { name: 'Piret Põld', email: 'taotleja@demo.konsult.ee', phone: '+372 5789 0123', locale: 'et', roles: [] },
];

/** A realistic set of fields for a victim-support and legal-help portal: [et, en, description et, description en]. */
const demoFields: [string, string, string, string][] = [
  ['Kriminaalmenetlus ja ohvri õigused', "Criminal proceedings and victims' rights", 'Kuriteoteade, kannatanu õigused menetluses, kahju hüvitamine kurjategijalt ja riigilt.', "Reporting a crime, a victim's rights in the proceedings, compensation from the offender and the state."],
  ['Lähisuhtevägivald', 'Domestic violence', 'Turvalisus, lähenemiskeeld, abi ja nõu vägivalda kogenud inimesele.', 'Safety, restraining orders, help and advice for people who have experienced violence.'],
  ['Perekonnaõigus', 'Family law', 'Lahutus, lapse hooldusõigus ja suhtluskord, elatis, vara jagamine.', 'Divorce, custody and contact arrangements, maintenance, division of property.'],
  ['Liiklusõnnetused', 'Traffic accidents', 'Liikluskindlustus, tervisekahju ja varakahju pärast liiklusõnnetust.', 'Motor insurance, personal injury and property damage after a traffic accident.'],
  ['Tervisekahju ja ravivead', 'Medical harm', 'Ravivead, patsiendi õigused, hüvitis tervisekahju eest.', "Treatment errors, patients' rights, compensation for harm to health."],
  ['Tööõigus', 'Employment', 'Tööleping, töötasu, koondamine, ahistamine ja diskrimineerimine tööl.', 'Employment contracts, pay, redundancy, harassment and discrimination at work.'],
  ['Tarbijavaidlused', 'Consumer disputes', 'Puudusega kaup või teenus, pettused, vaidlused kauplejaga.', 'Faulty goods or services, fraud, disputes with traders.'],
  ['Kahjuhüvitis ja kindlustus', 'Damages and insurance', 'Kahju hindamine ja nõudmine, vaidlused kindlustusandjaga.', 'Assessing and claiming damages, disputes with insurers.'],
  ['Psühholoogiline nõustamine', 'Psychological counselling', 'Kriisinõustamine, trauma, ärevus ja toimetulek raskel ajal.', 'Crisis counselling, trauma, anxiety and coping in a difficult time.'],
  ['Pärimisõigus', 'Inheritance', 'Testament, pärimine seaduse järgi, pärandvara jagamine.', 'Wills, intestate succession, dividing an estate.'],
  ['Kinnisvara ja üürisuhted', 'Property and tenancy', 'Üürileping, üürivaidlused, korteriühistu ja naabrivaidlused.', 'Tenancy agreements, rent disputes, housing associations and neighbour disputes.'],
];

type DemoProfile = {
  email: string;
  fields: number[];
  languages: string[];
  priceLevel: number;
  organisation?: { name: string; registryCode: string };
  qualifications: string;
  bio: string;
};

/** Profiles of the demo experts (fields by their index in demoFields). */
const demoProfiles: DemoProfile[] = [
  {
    email: 'jurist@demo.konsult.ee',
    fields: [0, 3, 7],
    languages: ['et', 'en', 'ru'],
    priceLevel: 2,
    organisation: { name: 'Advokaadibüroo Tamm & Partnerid OÜ', registryCode: '14567897' },
    qualifications: 'Tartu Ülikool, õigusteaduse magister (2009).\nEesti Advokatuuri liige alates 2012.',
    bio: 'Olen aidanud kuriteoohvreid ja liiklusõnnetuses kannatanuid üle kümne aasta.\n\nAitan koostada kuriteoteate ja kahjunõude, selgitan menetluse käiku ning esindan teid kohtus.',
  },
  {
    email: 'psuhholoog@demo.konsult.ee',
    fields: [8, 1],
    languages: ['et', 'en'],
    priceLevel: 1,
    qualifications: 'Tallinna Ülikool, psühholoogia magister (2014).\nKutseline kliiniline psühholoog, tase 7.',
    bio: 'Toetan inimesi, kes on kogenud vägivalda, kaotust või muud rasket sündmust.\n\nVestlused toimuvad turvaliselt veebis; tempo valite teie.',
  },
  {
    email: 'perekonnaoigus@demo.konsult.ee',
    fields: [2, 9, 1],
    languages: ['en', 'et', 'fi'],
    priceLevel: 3,
    qualifications: 'LL.M., University of Helsinki (2006).\nAttorney-at-law in Estonia since 2008.',
    bio: 'Family and inheritance matters across borders: divorce, custody, maintenance and estates in Estonia and Finland.\n\nI explain your options plainly and draft the documents you need.',
  },
];

async function seedFieldsAndProfiles(trx: Executor, emailToId: Map<string, number>, now: string): Promise<number[]> {
  const fieldIds: number[] = [];
  for (const [index, [nameEt, nameEn, descriptionEt, descriptionEn]] of demoFields.entries()) {
    fieldIds.push(
      await insertField(trx, {
        name_et: nameEt,
        name_en: nameEn,
        description_et: descriptionEt,
        description_en: descriptionEn,
        position: index + 1,
        is_active: 1,
        created_at: now,
        updated_at: now,
      }),
    );
  }
  for (const profile of demoProfiles) {
    const userId = emailToId.get(profile.email)!;
    const account = demoAccounts.find((a) => a.email === profile.email)!;
    const organisationId = profile.organisation ? await ensureOrganisation(trx, { ...profile.organisation, now }) : null;
    await insertProfile(trx, {
      user_id: userId,
      display_name: account.name,
      organisation_id: organisationId,
      qualifications: profile.qualifications,
      bio: profile.bio,
      price_level: profile.priceLevel,
      photo_file_id: null,
      is_on_leave: 0,
      leave_until: null,
      is_active: 1,
      search_text: searchTextOf([account.name, profile.organisation?.name, profile.qualifications, profile.bio]),
      approved_at: now,
      updated_at: now,
    });
    await replaceExpertFields(trx, userId, profile.fields.map((i) => fieldIds[i]!));
    await replaceExpertLanguages(trx, userId, profile.languages);
  }
  // An application waiting for review, so the moderator's queue has something in it.
  await insertApplication(
    trx,
    {
      user_id: emailToId.get('taotleja@demo.konsult.ee')!,
      status: 'submitted',
      applicant_kind: 'person',
      full_name: 'Piret Põld',
      personal_id_code: '49403136526',
      organisation_name: null,
      registry_code: null,
      contact_person: null,
      qualifications: 'Tartu Ülikool, õigusteaduse bakalaureus (2017).\nTöötanud viis aastat Tarbijakaitse ja Tehnilise Järelevalve Ametis.',
      bio: 'Aitan lahendada vaidlusi kauplejate ja tööandjatega: pretensioonid, kaebused ja avaldused komisjonidele.',
      languages: 'et,ru',
      price_level: 1,
      photo_file_id: null,
      applicant_note: null,
      review_note: null,
      reviewed_by: null,
      reviewed_at: null,
      submitted_at: now,
      created_at: now,
      updated_at: now,
    },
    [fieldIds[5]!, fieldIds[6]!],
  );
  return fieldIds;
}

/**
 * Two inquiries from the demo customer: one sent to the two experts of domestic violence (one
 * has offered, one has not opened it yet) and a general one waiting for the moderator.
 */
async function seedInquiries(trx: Executor, emailToId: Map<string, number>, fieldIds: number[], at: Date): Promise<void> {
  const now = iso(at);
  const customerId = emailToId.get('klient@demo.konsult.ee')!;
  const deadlineDay = tallinnDayOf(new Date(at.getTime() + 10 * 86_400_000));
  const inquiry = {
    customer_id: customerId,
    kind: 'consultation' as const,
    document_type_id: null,
    purpose: null,
    language: 'et',
    deadline_at: iso(endOfTallinnDay(deadlineDay)),
    wished_by: null,
    triaged_by: null,
    triaged_at: null,
    triage_note: null,
    random_pool_size: null,
    created_at: now,
    updated_at: now,
    closed_at: null,
  };
  const inquiryId = await insertInquiry(trx, {
    ...inquiry,
    is_general: 0,
    field_id: fieldIds[1]!,
    title: 'Kuidas saada lähenemiskeeld?',
    description: 'Endine elukaaslane helistab ja ootab mind töö juures, kuigi olen palunud tal seda mitte teha. Tahaksin teada, kuidas taotleda lähenemiskeeldu ja milliseid tõendeid selleks vaja on.',
    status: 'open',
  });
  const invitation = { inquiry_id: inquiryId, conversation_id: null, is_random: 0, decline_reason: null, decline_note: null, reminded_at: null, created_at: now, updated_at: now };
  const psychologistId = emailToId.get('psuhholoog@demo.konsult.ee')!;
  const offeredId = await insertInvitation(trx, { ...invitation, expert_id: psychologistId, status: 'offered', seen_at: now, responded_at: now });
  await insertInvitation(trx, { ...invitation, expert_id: emailToId.get('perekonnaoigus@demo.konsult.ee')!, status: 'new', seen_at: null, responded_at: null });
  await insertOffer(trx, {
    inquiry_id: inquiryId,
    invitation_id: offeredId,
    expert_id: psychologistId,
    status: 'active',
    price_cents: 8_000,
    delivery_date: deadlineDay,
    note: 'Kaks nõustamist veebis (kumbki 60 minutit) ja kirjalik turvaplaan. Aitan ka tõendite kogumisel.',
    valid_until: deadlineDay,
    expires_at: iso(endOfTallinnDay(deadlineDay)),
    created_at: now,
    updated_at: now,
  });
  await insertInquiry(trx, {
    ...inquiry,
    is_general: 1,
    field_id: null,
    title: 'Naaber lõhkus mu auto',
    description: 'Naaber sõitis parklas vastu mu autot ja keeldub kahju hüvitamast. Ei tea, kas pöörduda politsei, kindlustuse või kohtu poole.',
    status: 'triage',
  });
}

/**
 * Seeds the demo accounts into an empty database; does nothing when any user exists. Several
 * processes starting at once on one new database (two web processes behind nginx) may all find it
 * empty: the seed is one transaction, so one of them writes it and the others' transactions fail
 * on the demo e-mail addresses and roll back, which counts as already seeded.
 */
export async function seedDemoData(db: Db, hasher: PasswordHasher, clock: Clock): Promise<boolean> {
  if ((await countUsers(db)) > 0) return false;
  const passwordHash = await hasher.hash(demoPassword);
  try {
    await seedInOneTransaction(db, passwordHash, clock);
  } catch (error) {
    if ((await countUsers(db)) > 0) return false;
    throw error;
  }
  return true;
}

async function seedInOneTransaction(db: Db, passwordHash: string, clock: Clock): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if ((await countUsers(trx)) > 0) throw new Error('seeded meanwhile by another process');
    const now = iso(clock.now());
    const ids: number[] = [];
    const emailToId = new Map<string, number>();
    for (const account of demoAccounts) {
      const user = await insertUser(trx, {
        email: account.email,
        email_verified_at: now,
        name: account.name,
        phone: account.phone,
        password_hash: passwordHash,
        locale: account.locale,
        created_at: now,
        updated_at: now,
        blocked_at: null,
      });
      for (const role of account.roles) await grantRole(trx, user.id, role, now);
      ids.push(user.id);
      emailToId.set(account.email, user.id);
    }
    const fieldIds = await seedFieldsAndProfiles(trx, emailToId, now);
    await seedInquiries(trx, emailToId, fieldIds, clock.now());
    // A conversation between the demo customer and the demo lawyer, so the mailbox has a thread.
    const [customerId, lawyerId] = ids as [number, number];
    const conversationId = await insertConversation(trx, { subject: 'Küsimus kuriteoteate kohta', contextType: null, contextId: null, now });
    await insertMember(trx, conversationId, customerId, now);
    await insertMember(trx, conversationId, lawyerId, now);
    await insertMessage(trx, {
      conversationId,
      senderId: customerId,
      body: 'Tere! Kas kuriteoteate saab esitada ka siis, kui juhtumist on möödas üle aasta?',
      now,
    });
    await insertMessage(trx, {
      conversationId,
      senderId: lawyerId,
      body: 'Tere, Mari! Jah, see on sageli võimalik: aegumistähtaeg sõltub teo raskusest. Kirjeldage palun lühidalt, mis juhtus ja millal, siis oskan täpsemalt öelda.',
      now,
    });
  });
}
