/**
 * Write forms: amounts validated as they would be by the ledger, one Idempotency-Key per
 * submission (kept for a retry of the same values, so a double click or a resend never posts
 * twice), the button disabled while a request is in flight, and refusals shown in plain words
 * next to the field they concern and in a GOV.UK error summary, with the server's own detail
 * behind "Technical detail" for whoever needs it. What was recorded is shown as a receipt that
 * outlives the page's re-render (receipts.ts).
 */
import { ApiError, postJson, type Written } from './api.ts';
import { h, showFieldError } from './dom.ts';
import { details, errorSummary } from './govuk.ts';
import { idempotencyKeys } from './idempotency.ts';
import { amountInputProblem, normaliseTypedAmount } from './money.ts';
import { fieldOfProblem, plainWords, type Problem } from './problems.ts';
import { showReceipt, type Receipt } from './receipts.ts';

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
  /** What to show as the receipt; without it, the form's title and the event id. */
  readonly receipt?: (written: Written, values: FormValues) => Receipt;
  /** Plain words for refusals that mean something particular on this form, by code. */
  readonly refusals?: Readonly<Record<string, string>>;
  /** Extra classes for the submit button (govuk-button--secondary, govuk-button--warning). */
  readonly buttonClass?: string;
  /** Hide the form's heading (a form inside a table row is labelled by its row). */
  readonly hideTitle?: boolean;
}

export type FormValues = (name: string) => string;

export function writeForm(spec: WriteFormSpec): HTMLFormElement {
  const status = h('p', { class: 'govuk-body form-status', role: 'status', 'aria-live': 'polite' });
  const summary = errorSummary();
  const button = h(
    'button',
    {
      type: 'submit',
      class: `govuk-button${spec.buttonClass === undefined ? '' : ` ${spec.buttonClass}`}`,
    },
    spec.submitLabel,
  );
  const form = h(
    'form',
    { class: 'write-form', novalidate: true, 'aria-label': spec.title },
    spec.hideTitle === true ? null : h('h3', { class: 'govuk-heading-s' }, spec.title),
    summary.element,
    ...spec.controls,
    button,
    status,
  );
  const idOf = (name: string) =>
    form.querySelector<HTMLElement>(
      `[data-field="${name}"] input, [data-field="${name}"] select, [data-field="${name}"] textarea`,
    )?.id;
  const technicalDetail = (problem: Problem) =>
    problem.detail === undefined
      ? undefined
      : details('Technical detail', h('code', {}, `${problem.code}: ${problem.detail}`));
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
    summary.clear();
    status.textContent = '';
    const bad: { text: string; fieldId?: string }[] = [];
    for (const name of names().filter(
      (n) => spec.amountFields.includes(n) || n.startsWith('amount'),
    )) {
      const problem = amountInputProblem(value(name), spec.amountRules?.[name]);
      showFieldError(form, name, problem);
      if (problem !== null) bad.push({ text: problem, ...fieldIdOf(name) });
    }
    if (bad.length > 0) {
      summary.show(bad);
      return;
    }
    const normalised: FormValues = (name) =>
      spec.amountFields.includes(name) || name.startsWith('amount')
        ? normaliseTypedAmount(value(name))
        : value(name).trim();
    const crossCheck = spec.check?.(normalised) ?? null;
    if (crossCheck !== null) {
      if (crossCheck.field !== null) showFieldError(form, crossCheck.field, crossCheck.message);
      summary.show([
        {
          text: crossCheck.message,
          ...(crossCheck.field === null ? {} : fieldIdOf(crossCheck.field)),
        },
      ]);
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
      status.textContent = '';
      showReceipt(
        spec.receipt?.(written, normalised) ?? {
          heading: `${spec.title}: recorded`,
          rows: [['Event id', written.eventId]],
        },
      );
      spec.onWritten(written);
    } catch (error) {
      status.textContent = '';
      if (!(error instanceof ApiError)) {
        // A fault in the dashboard itself: say so rather than leave the form silent.
        console.error(error);
        summary.show([{ text: `The dashboard could not send this: ${(error as Error).message}` }]);
        return;
      }
      const message = spec.refusals?.[error.problem.code] ?? plainWords(error.problem);
      const target = fieldOfProblem(error.problem, names());
      if (target !== null) showFieldError(form, target, message);
      summary.show(
        [{ text: message, ...(target === null ? {} : fieldIdOf(target)) }],
        technicalDetail(error.problem),
      );
    } finally {
      inFlight = false;
      button.disabled = false;
    }
  }
  function fieldIdOf(name: string): { fieldId?: string } {
    const id = idOf(name);
    return id === undefined ? {} : { fieldId: id };
  }
  return form;
}

export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}
