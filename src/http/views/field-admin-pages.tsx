import { h, Fragment } from '../jsx.js';
import type { FieldRow } from '../../db/schema.js';
import type { PageContext } from '../context.js';
import { AdminNav } from './admin-pages.js';
import type { FormState } from './auth-pages.js';
import { CsrfInput, ErrorSummary, Field, PageHeading, TextArea, type FormValues } from './components.js';
import { Layout } from './layout.js';

function FieldForm({ ctx, action, values = {}, errors = {}, general, submitLabel }: { ctx: PageContext; action: string; submitLabel: string } & FormState) {
  const { t } = ctx;
  return (
    <>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action={action} class="form" novalidate>
        <CsrfInput ctx={ctx} />
        <Field ctx={ctx} name="nameEt" label="fieldAdmin.nameEt" values={values} errors={errors} maxLength={100} />
        <Field ctx={ctx} name="nameEn" label="fieldAdmin.nameEn" values={values} errors={errors} maxLength={100} />
        <TextArea ctx={ctx} name="descriptionEt" label="fieldAdmin.descriptionEt" values={values} errors={errors} maxLength={1000} rows={3} />
        <TextArea ctx={ctx} name="descriptionEn" label="fieldAdmin.descriptionEn" values={values} errors={errors} maxLength={1000} rows={3} />
        <div class="checkbox">
          <input type="checkbox" id="isActive" name="isActive" value="on" checked={values['isActive'] === 'on'} />
          <label for="isActive">{t('fieldAdmin.isActive')}</label>
        </div>
        <button type="submit" class="button">
          {submitLabel}
        </button>
      </form>
    </>
  );
}

export function FieldsAdminPage({ ctx, fields, ...form }: { ctx: PageContext; fields: (FieldRow & { expertCount: number })[] } & FormState) {
  const { t } = ctx;
  const values: FormValues = form.values ?? { isActive: 'on' };
  return (
    <Layout ctx={ctx} title={t('fieldAdmin.title')}>
      <AdminNav ctx={ctx} current="/admin/fields" />
      <PageHeading lead={t('fieldAdmin.lead')}>{t('fieldAdmin.title')}</PageHeading>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('fieldAdmin.colName')}</th>
              <th scope="col">{t('fieldAdmin.colExperts')}</th>
              <th scope="col">{t('fieldAdmin.colStatus')}</th>
              <th scope="col">{t('fieldAdmin.colOrder')}</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((field, index) => (
              <tr key={field.id}>
                <td>
                  <a href={`/admin/fields/${field.id}`}>{field.name_et}</a>
                  <br />
                  <span class="muted" lang="en">
                    {field.name_en}
                  </span>
                </td>
                <td>{field.expertCount}</td>
                <td>{field.is_active ? t('fieldAdmin.active') : t('fieldAdmin.inactive')}</td>
                <td class="order-buttons">
                  {index > 0 && (
                    <form method="post" action={`/admin/fields/${field.id}/move`} class="inline-form">
                      <CsrfInput ctx={ctx} />
                      <input type="hidden" name="direction" value="up" />
                      <button type="submit" class="link-button" aria-label={t('fieldAdmin.moveUpNamed', { name: field.name_et })}>
                        ↑ {t('fieldAdmin.moveUp')}
                      </button>
                    </form>
                  )}
                  {index < fields.length - 1 && (
                    <form method="post" action={`/admin/fields/${field.id}/move`} class="inline-form">
                      <CsrfInput ctx={ctx} />
                      <input type="hidden" name="direction" value="down" />
                      <button type="submit" class="link-button" aria-label={t('fieldAdmin.moveDownNamed', { name: field.name_et })}>
                        ↓ {t('fieldAdmin.moveDown')}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" aria-labelledby="new-field-title">
        <h2 id="new-field-title">{t('fieldAdmin.newTitle')}</h2>
        <FieldForm ctx={ctx} action="/admin/fields" submitLabel={t('fieldAdmin.create')} {...form} values={values} />
      </section>
    </Layout>
  );
}

export function FieldEditPage({ ctx, field, ...form }: { ctx: PageContext; field: FieldRow & { uses: { experts: number; applications: number; inquiries: number } } } & FormState) {
  const { t } = ctx;
  const values: FormValues = form.values ?? {
    nameEt: field.name_et,
    nameEn: field.name_en,
    descriptionEt: field.description_et,
    descriptionEn: field.description_en,
    isActive: field.is_active ? 'on' : '',
  };
  const isInUse = field.uses.experts > 0 || field.uses.applications > 0 || field.uses.inquiries > 0;
  return (
    <Layout ctx={ctx} title={field.name_et}>
      <AdminNav ctx={ctx} current="/admin/fields" />
      <p>
        <a href="/admin/fields">← {t('fieldAdmin.title')}</a>
      </p>
      <PageHeading lead={t('fieldAdmin.uses', { experts: field.uses.experts, applications: field.uses.applications, inquiries: field.uses.inquiries })}>{field.name_et}</PageHeading>
      <section class="card">
        <FieldForm ctx={ctx} action={`/admin/fields/${field.id}`} submitLabel={t('common.save')} {...form} values={values} />
      </section>
      <section class="card" aria-labelledby="delete-title">
        <h2 id="delete-title">{t('fieldAdmin.deleteTitle')}</h2>
        {isInUse ? (
          <p>{t('fieldAdmin.cannotDelete')}</p>
        ) : (
          <form method="post" action={`/admin/fields/${field.id}/delete`} class="form">
            <CsrfInput ctx={ctx} />
            <p>{t('fieldAdmin.deleteHint')}</p>
            <button type="submit" class="button button-danger">
              {t('fieldAdmin.delete')}
            </button>
          </form>
        )}
      </section>
    </Layout>
  );
}
