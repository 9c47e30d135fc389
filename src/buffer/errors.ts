/**
 * Why a buffer call was refused. The ingestion endpoint answers 503 for every one of them:
 * the event was not stored, and saying so is better than losing it silently.
 */
export type BufferErrorCode = 'closed' | 'full' | 'unavailable'

export class BufferError extends Error {
  readonly code: BufferErrorCode

  constructor(code: BufferErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'BufferError'
  }
}

/** Redis did not answer (down, unreachable, too slow): nothing was appended, or the outcome is unknown. */
export class BufferUnavailableError extends BufferError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options)
    this.name = 'BufferUnavailableError'
  }
}

/** The buffer holds its configured maximum of unacknowledged entries; nothing was appended. */
export class BufferFullError extends BufferError {
  constructor(message: string) {
    super('full', message)
    this.name = 'BufferFullError'
  }
}

/** The buffer was closed. */
export class BufferClosedError extends BufferError {
  constructor() {
    super('closed', 'analytics: the event buffer is closed')
    this.name = 'BufferClosedError'
  }
}
