'use client'

import { Button } from '@payloadcms/ui'
import React, { useState } from 'react'

/** Copies a text (a tracking snippet, a share link) to the clipboard and says so. */
export function CopyButton({ label = 'Copy', text }: { label?: string; text: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <Button
      buttonStyle="secondary"
      onClick={() => {
        void navigator.clipboard.writeText(text).then(() => {
          setCopied(true)
          setTimeout(() => setCopied(false), 2000)
        })
      }}
      size="small"
    >
      {copied ? 'Copied' : label}
    </Button>
  )
}
