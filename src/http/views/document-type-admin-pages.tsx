import { h, Fragment } from '../jsx.js';
import { documentTypeNameMax, type DocumentTypeForAdmin } from '../../use-cases/document-types.js';
import type { PageContext } from '../context.js';
import { AdminNav } from './admin-pages.js';
import type { FormState } from './auth-pages.js';
import { CsrfInput, ErrorSummary, Field, PageHeading, type FormValues } from './components.js';
import { Layout } from './layout.js';

function DocumentTypeForm({ ctx, action, values = {}, errors = {}, general, submitLabel }: { ctx: PageContext; action: string; submitLabel: string } & FormState) {
  const { t } = ctx;
  return (
    <>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action={action} class="form" novalidate>
        <CsrfInput ctx={ctx} />
        <Field ctx={ctx} name="nameEt" label="documentTypeAdmin.nameEt" values={values} errors={errors} maxLength={documentTypeNameMax} />
        <Field ctx={ctx} name="nameEn" label="documentTypeAdmin.nameEn" values={values} errors={errors} maxLength={documentTypeNameMax} />
        <div class="checkbox">
          <input type="checkbox" id="isActive" name="isActive" value="on" checked={values['isActive'] === 'on'} />
          <label for="isActive">{t('documentTypeAdmin.isActive')}</label>
        </div>
        <button type="submit" class="button">
          {submitLabel}
        </button>
      </form>
    </>
  );
}

/** The admin list of document types: names in both languages, status, inquiries, order; and a form for a new one. */
export function DocumentTypesAdminPage({ ctx, types, ...form }: { ctx: PageContext; types: DocumentTypeForAdmin[] } & FormState) {
  const { t } = ctx;
  const values: FormValues = form.values ?? { isActive: 'on' };
  return (
    <Layout ctx={ctx} title={t('documentTypeAdmin.title')}>
      <AdminNav ctx={ctx} current="/admin/document-types" />
      <PageHeading lead={t('documentTypeAdmin.lead')}>{t('documentTypeAdmin.title')}</PageHeading>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('documentTypeAdmin.colName')}</th>
              <th scope="col">{t('documentTypeAdmin.colInquiries')}</th>
              <th scope="col">{t('documentTypeAdmin.colStatus')}</th>
              <th scope="col">{t('documentTypeAdmin.colOrder')}</th>
            </tr>
          </thead>
          <tbody>
            {types.map((type, index) => (
              <tr key={type.id}>
                <td>
                  <a href={`/admin/document-types/${type.id}`}>{type.name_et}</a>
                  <br />
                  <span class="muted" lang="en">
                    {type.name_en}
                  </span>
                </td>
                <td>{type.inquiryCount}</td>
                <td>
                  {type.is_active ? t('documentTypeAdmin.active') : t('documentTypeAdmin.inactive')}
                  <br />
                  <form method="post" action={`/admin/document-types/${type.id}/active`} class="inline-form">
                    <CsrfInput ctx={ctx} />
                    <input type="hidden" name="isActive" value={type.is_active ? 'off' : 'on'} />
                    <button
                      type="submit"
                      class="link-button"
                      aria-label={t(type.is_active ? 'documentTypeAdmin.hideNamed' : 'documentTypeAdmin.showNamed', { name: type.name_et })}
                    >
                      {t(type.is_active ? 'documentTypeAdmin.hide' : 'documentTypeAdmin.show')}
                    </button>
                  </form>
                </td>
                <td class="order-buttons">
                  {index > 0 && (
                    <form method="post" action={`/admin/document-types/${type.id}/move`} class="inline-form">
                      <CsrfInput ctx={ctx} />
                      <input type="hidden" name="direction" value="up" />
                      <button type="submit" class="link-button" aria-label={t('documentTypeAdmin.moveUpNamed', { name: type.name_et })}>
                        ↑ {t('documentTypeAdmin.moveUp')}
                      </button>
                    </form>
                  )}
                  {index < types.length - 1 && (
                    <form method="post" action={`/admin/document-types/${type.id}/move`} class="inline-form">
                      <CsrfInput ctx={ctx} />
                      <input type="hidden" name="direction" value="down" />
                      <button type="submit" class="link-button" aria-label={t('documentTypeAdmin.moveDownNamed', { name: type.name_et })}>
                        ↓ {t('documentTypeAdmin.moveDown')}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" aria-labelledby="new-document-type-title">
        <h2 id="new-document-type-title">{t('documentTypeAdmin.newTitle')}</h2>
        <DocumentTypeForm ctx={ctx} action="/admin/document-types" submitLabel={t('documentTypeAdmin.create')} {...form} values={values} />
      </section>
    </Layout>
  );
}

/** One document type: its names and status to edit, and deleting it when no inquiry names it. */
export function DocumentTypeEditPage({ ctx, type, ...form }: { ctx: PageContext; type: DocumentTypeForAdmin } & FormState) {
  const { t } = ctx;
  const values: FormValues = form.values ?? { nameEt: type.name_et, nameEn: type.name_en, isActive: type.is_active ? 'on' : '' };
  return (
    <Layout ctx={ctx} title={type.name_et}>
      <AdminNav ctx={ctx} current="/admin/document-types" />
      <p>
        <a href="/admin/document-types">← {t('documentTypeAdmin.title')}</a>
      </p>
      <PageHeading lead={t('documentTypeAdmin.uses', { inquiries: type.inquiryCount })}>{type.name_et}</PageHeading>
      <section class="card">
        <DocumentTypeForm ctx={ctx} action={`/admin/document-types/${type.id}`} submitLabel={t('common.save')} {...form} values={values} />
      </section>
      <section class="card" aria-labelledby="delete-title">
        <h2 id="delete-title">{t('documentTypeAdmin.deleteTitle')}</h2>
        {type.inquiryCount > 0 ? (
          <p>{t('documentTypeAdmin.cannotDelete')}</p>
        ) : (
          <form method="post" action={`/admin/document-types/${type.id}/delete`} class="form">
            <CsrfInput ctx={ctx} />
            <p>{t('documentTypeAdmin.deleteHint')}</p>
            <button type="submit" class="button button-danger">
              {t('documentTypeAdmin.delete')}
            </button>
          </form>
        )}
      </section>
    </Layout>
  );
}
