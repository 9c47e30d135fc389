'use client'

import { Link, useConfig } from '@payloadcms/ui'
import { usePathname } from 'next/navigation.js'
import { formatAdminURL } from 'payload/shared'
import React, { useEffect, useState } from 'react'
import { createPortal } from 'react-dom'

import { ADMIN_GROUP, ANALYTICS_VIEW_PATH, SOURCES_VIEW_PATH } from '../../src/constants.js'

/** The plugin's own views, first in the nav group (ids stable for tests and host styles). */
const VIEWS = [
  { id: 'nav-analytics-view', label: 'Analytics dashboard', path: ANALYTICS_VIEW_PATH },
  { id: 'nav-analytics-sources-view', label: 'Sources and last runs', path: SOURCES_VIEW_PATH },
] as const

/**
 * The nav links to Admin → Analytics and Analytics → Sources, first in the nav's "Analytics"
 * group (beside the analytics collections). Payload has no slot inside a nav group, so the
 * links move themselves there once the nav is on the page; without the group they stay where
 * `afterNavLinks` put them.
 */
export function AnalyticsNavLink({ group = ADMIN_GROUP }: { group?: string }) {
  const { config } = useConfig()
  const pathname = usePathname()
  const [slot, setSlot] = useState<HTMLElement | null>(null)

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

  const links = VIEWS.map(({ id, label, path }) => {
    const href = formatAdminURL({ adminRoute: config.routes.admin, path })
    return pathname === href ? (
      <div aria-current="page" className="nav__link" id={id} key={id}>
        <div className="nav__link-indicator" />
        <span className="nav__link-label">{label}</span>
      </div>
    ) : (
      <Link className="nav__link" href={href} id={id} key={id} prefetch={false}>
        <span className="nav__link-label">{label}</span>
      </Link>
    )
  })
  return slot ? createPortal(links, slot) : <>{links}</>
}
