import type { EmailAdapter } from 'payload'

import nodemailer from 'nodemailer'

/**
 * The dev app's email: nodemailer over SMTP at `url` (e.g. `smtp://127.0.0.1:2525`), the
 * same as `@payloadcms/email-nodemailer` does — whose current release (3.90.1) pins
 * `payload` 3.90.1 exactly, one patch behind this project. Reports reach it only through
 * `payload.sendEmail`, so any adapter the host configures works the same.
 */
export const smtpEmailAdapter =
  (url: string, from = { address: 'analytics@example.com', name: 'Analytics' }): EmailAdapter =>
  () => {
    const transport = nodemailer.createTransport(url)
    return {
      defaultFromAddress: from.address,
      defaultFromName: from.name,
      name: 'smtp',
      sendEmail: async (message) => transport.sendMail({ from: `"${from.name}" <${from.address}>`, ...message }),
    }
  }
