export { CopyButton } from '../../admin/CopyButton/index.client.js'
