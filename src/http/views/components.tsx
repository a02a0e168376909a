import { h, Fragment, type Children } from '../jsx.js';
import type { PageContext } from '../context.js';
import type { MessageKey, TranslateParams } from '../../i18n/index.js';

/** A field error: a catalog key and its parameters. */
export type FieldError = { key: MessageKey; params?: TranslateParams };
export type FieldErrors = Record<string, FieldError>;
export type FormValues = Record<string, string>;

export function CsrfInput({ ctx }: { ctx: Pick<PageContext, 'csrfToken'> }) {
  return <input type="hidden" name="_csrf" value={ctx.csrfToken} />;
}

/** The list of a form's errors at its top, each linking to its field. */
export function ErrorSummary({ ctx, errors, general }: { ctx: PageContext; errors: FieldErrors; general?: FieldError | undefined }) {
  const entries = Object.entries(errors);
  if (entries.length === 0 && !general) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{general ? ctx.t(general.key, general.params) : ctx.t('common.formHasErrors')}</h2>
      {entries.length > 0 && (
        <ul>
          {entries.map(([field, error]) => (
            <li key={field}>
              <a href={`#${field}`}>{ctx.t(error.key, error.params)}</a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

type FieldProps = {
  ctx: PageContext;
  name: string;
  label: MessageKey;
  hint?: MessageKey;
  type?: 'text' | 'email' | 'password' | 'tel' | 'date';
  autocomplete?: string;
  values?: FormValues;
  errors?: FieldErrors;
  isRequired?: boolean;
  /** Shows "(optional)" by the label of a field that is not required (default). A field required only in some cases says so in its hint instead. */
  isOptionalMarked?: boolean;
  maxLength?: number;
};

/** A labelled input with its hint and error, wired for screen readers. */
export function Field({ ctx, name, label, hint, type = 'text', autocomplete, values, errors, isRequired = true, isOptionalMarked = true, maxLength }: FieldProps) {
  const error = errors?.[name];
  const hintId = hint ? `${name}-hint` : undefined;
  const errorId = error ? `${name}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  // Passwords are never sent back into the page.
  const value = type === 'password' ? '' : (values?.[name] ?? '');
  return (
    <div class={error ? 'field field-error' : 'field'}>
      <label for={name}>
        {ctx.t(label)}
        {!isRequired && isOptionalMarked && <span class="muted"> {ctx.t('common.optional')}</span>}
      </label>
      {hint && (
        <p class="hint" id={hintId}>
          {ctx.t(hint)}
        </p>
      )}
      {error && (
        <p class="error-message" id={errorId}>
          {ctx.t(error.key, error.params)}
        </p>
      )}
      <input
        id={name}
        name={name}
        type={type}
        value={value}
        autocomplete={autocomplete}
        required={isRequired}
        maxLength={maxLength}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy}
      />
    </div>
  );
}

export function PageHeading({ children, lead }: { children: Children; lead?: string }) {
  return (
    <div class="page-heading">
      <h1>{children}</h1>
      {lead && <p class="lead">{lead}</p>}
    </div>
  );
}

/** Previous / next links for a paginated list; keeps the other query parameters. */
export function Pagination({ ctx, page, pages, hrefFor }: { ctx: PageContext; page: number; pages: number; hrefFor: (page: number) => string }) {
  if (pages <= 1) return null;
  return (
    <nav class="pagination" aria-label={ctx.t('common.pageOf', { page, pages })}>
      {page > 1 ? <a href={hrefFor(page - 1)} rel="prev">{ctx.t('common.previous')}</a> : <span />}
      <span>{ctx.t('common.pageOf', { page, pages })}</span>
      {page < pages ? <a href={hrefFor(page + 1)} rel="next">{ctx.t('common.next')}</a> : <span />}
    </nav>
  );
}

/** The ids that describe a form control: its hint and its error, when present. */
function describedBy(name: string, hasHint: boolean, hasError: boolean): string | undefined {
  return [hasHint ? `${name}-hint` : undefined, hasError ? `${name}-error` : undefined].filter(Boolean).join(' ') || undefined;
}

function HintAndError({ ctx, name, hint, error }: { ctx: PageContext; name: string; hint?: MessageKey | undefined; error?: FieldError | undefined }) {
  return (
    <>
      {hint && (
        <p class="hint" id={`${name}-hint`}>
          {ctx.t(hint)}
        </p>
      )}
      {error && (
        <p class="error-message" id={`${name}-error`}>
          {ctx.t(error.key, error.params)}
        </p>
      )}
    </>
  );
}

type TextAreaProps = Omit<FieldProps, 'type' | 'autocomplete'> & { rows?: number };

/** A labelled multi-line text box with its hint and error. */
export function TextArea({ ctx, name, label, hint, values, errors, isRequired = true, maxLength, rows = 6 }: TextAreaProps) {
  const error = errors?.[name];
  return (
    <div class={error ? 'field field-error' : 'field'}>
      <label for={name}>
        {ctx.t(label)}
        {!isRequired && <span class="muted"> {ctx.t('common.optional')}</span>}
      </label>
      <HintAndError ctx={ctx} name={name} hint={hint} error={error} />
      <textarea
        id={name}
        name={name}
        rows={rows}
        maxLength={maxLength}
        required={isRequired}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(name, Boolean(hint), Boolean(error))}
      >
        {values?.[name] ?? ''}
      </textarea>
    </div>
  );
}

export type Choice = { value: string; label: string; hint?: string | undefined };

type ChoiceGroupProps = {
  ctx: PageContext;
  name: string;
  legend: MessageKey;
  hint?: MessageKey;
  choices: readonly Choice[];
  /** The chosen values. */
  chosen: readonly string[];
  errors?: FieldErrors | undefined;
  isRequired?: boolean;
  /** Checkboxes (several) or radio buttons (one). */
  type: 'checkbox' | 'radio';
};

/** A fieldset of checkboxes or radio buttons with its legend, hint and error; the first control carries the id the error summary links to. */
export function ChoiceGroup({ ctx, name, legend, hint, choices, chosen, errors, isRequired = true, type }: ChoiceGroupProps) {
  const error = errors?.[name];
  return (
    <fieldset
      class={error ? 'field choices field-error' : 'field choices'}
      aria-describedby={describedBy(name, Boolean(hint), Boolean(error))}
    >
      <legend>
        {ctx.t(legend)}
        {!isRequired && <span class="muted"> {ctx.t('common.optional')}</span>}
      </legend>
      <HintAndError ctx={ctx} name={name} hint={hint} error={error} />
      {choices.map((choice, index) => {
        const id = index === 0 ? name : `${name}-${index}`;
        return (
          <div class="checkbox" key={choice.value}>
            <input type={type} id={id} name={name} value={choice.value} checked={chosen.includes(choice.value)} aria-invalid={error ? 'true' : undefined} />
            <label for={id}>
              {choice.label}
              {choice.hint && <span class="hint choice-hint">{choice.hint}</span>}
            </label>
          </div>
        );
      })}
    </fieldset>
  );
}

/** A file input (for multipart forms) with its hint and error. */
export function FileField({ ctx, name, label, hint, errors, accept, isRequired = false }: { ctx: PageContext; name: string; label: MessageKey; hint?: MessageKey; errors?: FieldErrors | undefined; accept?: string; isRequired?: boolean }) {
  const error = errors?.[name];
  return (
    <div class={error ? 'field field-error' : 'field'}>
      <label for={name}>
        {ctx.t(label)}
        {!isRequired && <span class="muted"> {ctx.t('common.optional')}</span>}
      </label>
      <HintAndError ctx={ctx} name={name} hint={hint} error={error} />
      <input id={name} name={name} type="file" accept={accept} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy(name, Boolean(hint), Boolean(error))} />
    </div>
  );
}
