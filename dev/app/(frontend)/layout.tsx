import type { ReactNode } from 'react'

import { AnalyticsScript } from 'payload-plugin-analytics/react'
import React from 'react'

export const metadata = { title: 'Analytics demo site' }

export default function FrontendLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        {/* The demo front-end is served by the same app, so no origin is needed. */}
        <AnalyticsScript site="shop.acme.test" />
      </head>
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '3rem auto', maxWidth: 640 }}>{children}</body>
    </html>
  )
}
