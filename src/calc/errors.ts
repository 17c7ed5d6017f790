/**
 * A refused calculation request. `code` is stable for integrators (the HTTP API maps it to a status);
 * `field` is the path of the offending input field ("months.2.wage"), or '' for the request as a whole.
 */
export class CalcError extends Error {
  constructor(
    readonly code: 'request.invalid' | 'request.unknownCalculation' | 'input.invalid' | 'law.noValue' | 'law.changesInPeriod',
    readonly field: string,
    message: string,
  ) {
    super(message);
  }

  toJSON(): { error: { code: string; field: string; message: string } } {
    return { error: { code: this.code, field: this.field, message: this.message } };
  }
}
