import type { ReactNode } from 'react'

import React from 'react'

export const metadata = { title: 'Analytics demo site' }

export default function FrontendLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '3rem auto', maxWidth: 640 }}>{children}</body>
    </html>
  )
}
