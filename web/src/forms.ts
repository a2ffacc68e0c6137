/**
 * Write forms: amounts validated as they would be by the ledger, one Idempotency-Key per
 * submission (kept for a retry of the same values, so a double click or a resend never posts
 * twice), the button disabled while a request is in flight, and refusals shown in plain words
 * next to the field they concern.
 */
import { ApiError, postJson, type Written } from './api.ts';
import { h, showFieldError } from './dom.ts';
import { idempotencyKeys } from './idempotency.ts';
import { amountInputProblem, normaliseTypedAmount } from './money.ts';
import { fieldOfProblem, plainWords } from './problems.ts';

export interface WriteFormSpec {
  readonly title: string;
  readonly submitLabel: string;
  readonly controls: readonly HTMLElement[];
  /** Names of the controls holding amounts: checked before sending, sent normalised. */
  readonly amountFields: readonly string[];
  /** Of the amount fields, those that may be left blank or may be £0.00. */
  readonly amountRules?: Readonly<
    Record<string, { readonly optional?: boolean; readonly allowZero?: boolean }>
  >;
  /** Checks across fields before sending (percentages summing to 100…): the field, or null for the form. */
  readonly check?: (values: FormValues) => { field: string | null; message: string } | null;
  readonly path: () => string;
  /** The JSON body from the form's values (amounts already normalised). */
  readonly body: (values: FormValues) => unknown;
  readonly token: string;
  readonly onWritten: (written: Written) => void;
}

export type FormValues = (name: string) => string;

export function writeForm(spec: WriteFormSpec): HTMLFormElement {
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit' }, spec.submitLabel);
  const form = h(
    'form',
    { class: 'write-form', novalidate: true, 'aria-label': spec.title },
    h('h3', {}, spec.title),
    ...spec.controls,
    formError,
    button,
    status,
  );
  const keyFor = idempotencyKeys();
  let inFlight = false;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // The disabled button stops a second click; this stops a second Enter key press too.
    if (inFlight) return;
    void submit();
  });

  const value: FormValues = (name) => {
    const control = form.elements.namedItem(name);
    if (control instanceof HTMLInputElement && control.type === 'checkbox')
      return control.checked ? 'true' : 'false';
    return control instanceof HTMLInputElement ||
      control instanceof HTMLSelectElement ||
      control instanceof HTMLTextAreaElement
      ? control.value
      : '';
  };
  const names = () =>
    [...form.querySelectorAll<HTMLElement>('[data-field]')]
      .map((el) => el.dataset.field ?? '')
      .filter((name) => name !== '');

  async function submit(): Promise<void> {
    for (const name of names()) showFieldError(form, name, null);
    formError.hidden = true;
    status.textContent = '';
    let firstBad: string | null = null;
    for (const name of names().filter(
      (n) => spec.amountFields.includes(n) || n.startsWith('amount'),
    )) {
      const problem = amountInputProblem(value(name), spec.amountRules?.[name]);
      showFieldError(form, name, problem);
      if (problem !== null) firstBad ??= name;
    }
    if (firstBad !== null) {
      form.querySelector<HTMLElement>(`[name="${firstBad}"]`)?.focus();
      return;
    }
    const normalised: FormValues = (name) =>
      spec.amountFields.includes(name) || name.startsWith('amount')
        ? normaliseTypedAmount(value(name))
        : value(name).trim();
    const crossCheck = spec.check?.(normalised) ?? null;
    if (crossCheck !== null) {
      if (crossCheck.field === null) {
        formError.textContent = crossCheck.message;
        formError.hidden = false;
      } else {
        showFieldError(form, crossCheck.field, crossCheck.message);
        form.querySelector<HTMLElement>(`[name="${crossCheck.field}"]`)?.focus();
      }
      return;
    }
    const body = spec.body(normalised);
    const { key, done } = keyFor(JSON.stringify(body));
    inFlight = true;
    button.disabled = true;
    status.textContent = 'Sending…';
    try {
      const written = await postJson(spec.path(), spec.token, body, key);
      done();
      status.textContent = `Recorded (event ${written.eventId}).`;
      spec.onWritten(written);
    } catch (error) {
      status.textContent = '';
      if (!(error instanceof ApiError)) {
        // A fault in the dashboard itself: say so rather than leave the form silent.
        console.error(error);
        formError.textContent = `The dashboard could not send this: ${(error as Error).message}`;
        formError.hidden = false;
        return;
      }
      const message = `${plainWords(error.problem)}${error.problem.detail === undefined ? '' : ` (${error.problem.detail})`}`;
      const target = fieldOfProblem(error.problem, names());
      if (target === null) {
        formError.textContent = message;
        formError.hidden = false;
      } else {
        showFieldError(form, target, message);
        form.querySelector<HTMLElement>(`[name="${target}"]`)?.focus();
      }
    } finally {
      inFlight = false;
      button.disabled = false;
    }
  }
  return form;
}

export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}
