import { PACKAGE_NAME } from './constants.js'

/** Component paths as the host's import map knows them (`payload generate:importmap`). */
export const componentPaths = {
  copyButton: `${PACKAGE_NAME}/client#CopyButton`,
  pipelineNotice: `${PACKAGE_NAME}/rsc#PipelineNotice`,
} as const
