/**
 * Maps every error to problem+json. Refusals keep their code (a decider's DomainError, the
 * core's LedgerError, with Retry-After when the core says when to ask again); fastify's own client
 * errors (bad JSON, too large, wrong content type) get stable codes; anything else is our
 * fault, is logged, and answers 500 without internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
} from 'fastify-type-provider-zod';
import { DomainError } from '../../../commands/domainError.ts';
import { LedgerError } from '../../books/ledgerError.ts';
import { StoreUnavailableError } from '../../store/eventStore.ts';
import {
  PROBLEM_CONTENT_TYPE,
  STATUS_OF,
  problem,
  type Problem,
  type ProblemCode,
} from './problem.ts';

/** How long a client should wait before sending a request the unreachable store refused again. */
export const STORE_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

export class HttpProblem extends Error {
  constructor(
    readonly problem: Problem,
    /** Response headers that go with the refusal (Retry-After on a 503). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(problem.detail);
  }
}

export function httpProblem(
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Readonly<Record<string, string>> = {},
): HttpProblem {
  return new HttpProblem(problem(code, detail, extensions), headers);
}

/** The code of the problem each reply was answered with, for the metrics (commands by outcome). */
const problemCodes = new WeakMap<FastifyReply, ProblemCode>();

export function problemCodeOf(reply: FastifyReply): ProblemCode | undefined {
  return problemCodes.get(reply);
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  problemCodes.set(reply, body.code);
  return reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

const FASTIFY_CLIENT_ERRORS: Readonly<Record<string, ProblemCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpProblem)
      return sendProblem(reply.headers(error.headers), error.problem);
    if (error instanceof DomainError) {
      return sendProblem(
        reply,
        problem(
          error.code,
          error.message,
          error.details === undefined ? {} : { details: error.details },
        ),
      );
    }
    if (error instanceof LedgerError) {
      // A tampered or damaged log is no refusal: the operator must hear of it at once.
      if (STATUS_OF[error.code] >= 500 && error.retryAfterSeconds === undefined)
        request.log.error({ code: error.code, detail: error.detail }, 'the ledger cannot answer');
      if (error.retryAfterSeconds !== undefined)
        void reply.header('retry-after', String(error.retryAfterSeconds));
      return sendProblem(reply, problem(error.code, error.detail));
    }
    if (error instanceof StoreUnavailableError) {
      // The operator's log has the driver's own words; the answer names only the kind of failure.
      request.log.warn(
        { reason: error.reason, recorded: error.recorded, cause: String(error.cause) },
        'the event store is unavailable',
      );
      void reply.header('retry-after', String(STORE_UNAVAILABLE_RETRY_AFTER_SECONDS));
      return sendProblem(
        reply,
        problem(
          'STORE_UNAVAILABLE',
          error.recorded === 'unknown'
            ? `${error.reason}, while the change was being committed: it may or may not have been recorded; send it again with the same Idempotency-Key to find out`
            : `${error.reason}; nothing was recorded`,
          { recorded: error.recorded },
        ),
      );
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((v) => ({
        path: [
          error.validationContext ?? 'body',
          ...v.instancePath.split('/').filter((part) => part !== ''),
        ].join('.'),
        message: v.message ?? 'is not valid',
      }));
      return sendProblem(
        reply,
        problem('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
          errors,
        }),
      );
    }
    if (isResponseSerializationError(error)) {
      request.log.error(
        { err: error, issues: error.cause.issues },
        'response did not match its schema',
      );
      return sendProblem(reply, problem('INTERNAL_ERROR', 'The answer could not be produced.'));
    }
    const known = error.code === undefined ? undefined : FASTIFY_CLIENT_ERRORS[error.code];
    if (known !== undefined) return sendProblem(reply, problem(known, error.message));
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      // A client error fastify raised that we have no name for: still the client's, never a 500.
      return sendProblem(
        reply,
        problem(
          error.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED',
          error.message,
        ),
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      problem('INTERNAL_ERROR', 'The request could not be completed; it has been logged.'),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
