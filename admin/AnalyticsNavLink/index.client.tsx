'use client'

import { Link, useConfig } from '@payloadcms/ui'
import { usePathname } from 'next/navigation.js'
import { formatAdminURL } from 'payload/shared'
import React, { useEffect, useState } from 'react'
import { createPortal } from 'react-dom'

import { ADMIN_GROUP, ANALYTICS_VIEW_PATH } from '../../src/constants.js'

/**
 * The nav link to Admin → Analytics, first in the nav's "Analytics" group (beside the
 * analytics collections). Payload has no slot inside a nav group, so the link moves itself
 * there once the nav is on the page; without the group it stays where `afterNavLinks` put it.
 */
export function AnalyticsNavLink({ group = ADMIN_GROUP }: { group?: string }) {
  const { config } = useConfig()
  const pathname = usePathname()
  const [slot, setSlot] = useState<HTMLElement | null>(null)
  const href = formatAdminURL({ adminRoute: config.routes.admin, path: ANALYTICS_VIEW_PATH })
  const active = pathname === href

  useEffect(() => {
    const content = document.getElementById(`nav-group-${group}`)?.querySelector<HTMLElement>('.nav-group__content')
    if (!content) return
    const holder = document.createElement('div')
    content.prepend(holder)
    setSlot(holder)
    return () => {
      holder.remove()
      setSlot(null)
    }
  }, [group])

  const link = active ? (
    <div aria-current="page" className="nav__link" id="nav-analytics-view">
      <div className="nav__link-indicator" />
      <span className="nav__link-label">Analytics dashboard</span>
    </div>
  ) : (
    <Link className="nav__link" href={href} id="nav-analytics-view" prefetch={false}>
      <span className="nav__link-label">Analytics dashboard</span>
    </Link>
  )
  return slot ? createPortal(link, slot) : link
}
