import type { AdminViewServerProps, PayloadRequest } from 'payload'

import { DefaultTemplate } from '@payloadcms/next/templates'
import { redirect } from 'next/navigation.js'
import { formatAdminURL } from 'payload/shared'
import React from 'react'

/**
 * Custom admin views are public in Payload: an anonymous visitor of `path` (an admin path such
 * as `/analytics`) goes to the login first, and back to `path` after.
 */
export function redirectToLoginUnlessUser(req: PayloadRequest, path: `/${string}`): void {
  if (req.user) return
  const adminRoute = req.payload.config.routes.admin
  redirect(formatAdminURL({ adminRoute, path: `/login?redirect=${encodeURIComponent(formatAdminURL({ adminRoute, path }))}` }))
}

/** The admin's own frame (nav, header) around one of our views. */
export function AdminViewTemplate({ children, initPageResult, params, searchParams }: Pick<AdminViewServerProps, 'initPageResult' | 'params' | 'searchParams'> & { children: React.ReactNode }) {
  const { locale, permissions, req, visibleEntities } = initPageResult
  return (
    <DefaultTemplate
      i18n={req.i18n}
      locale={locale}
      params={params}
      payload={req.payload}
      permissions={permissions}
      searchParams={searchParams}
      user={req.user ?? undefined}
      visibleEntities={visibleEntities}
    >
      {children}
    </DefaultTemplate>
  )
}
