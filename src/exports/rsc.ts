export { PipelineNotice } from '../../admin/PipelineNotice/index.js'
