/**
 * axe-core in the page under test: injects axe.min.js from node_modules and answers the
 * violations of the WCAG 2.x A/AA rules, or null (with a warning) when axe-core is not
 * installed here, so the caller can say the check was skipped rather than pass silently.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

function axeSource(): string | null {
  try {
    return readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  } catch {
    return null;
  }
}

export const AXE_SOURCE = axeSource();
if (AXE_SOURCE === null)
  console.warn(
    '[browser] axe-core is not installed (it is not in package.json yet): the accessibility checks are SKIPPED',
  );

/** The page's axe violations (WCAG 2 A and AA), or null when axe-core is not installed. */
export async function axeViolations(page: Page): Promise<AxeViolation[] | null> {
  if (AXE_SOURCE === null) return null;
  // The dashboard's content security policy allows scripts from its own origin only; an
  // evaluate() runs in the page through the DevTools protocol, which the policy does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations;
}
