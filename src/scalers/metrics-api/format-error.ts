// Why an answer holds no usable number for metrics-api: a message and its code (the caller adds
// the trigger's name).
import type { ScalerCode } from '../../errors.js';

export class FormatError extends Error {
  constructor(
    readonly code: ScalerCode,
    message: string,
  ) {
    super(message);
  }
}
