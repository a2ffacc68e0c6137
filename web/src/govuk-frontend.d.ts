// govuk-frontend ships JavaScript without type declarations: the parts the dashboard uses.
declare module 'govuk-frontend' {
  export class ServiceNavigation {
    constructor(root: Element);
  }
  export class Button {
    constructor(root: Element);
  }
  export function createAll(
    component: typeof ServiceNavigation | typeof Button,
    config?: unknown,
    scope?: Element | Document,
  ): unknown[];
}
