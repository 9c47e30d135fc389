import React from 'react'

import type { EffectiveSiteSettings } from '../../src/core/siteSettings.js'

const onOff = (value: boolean) => (value ? 'on' : 'off')
const list = (values: string[]) => (values.length ? values.join(', ') : 'none')

/**
 * The settings in force for a site, its tenant's and the global defaults applied: what its
 * readers see of those defaults, whose own rows only their managers may read.
 */
export function EffectiveSettings({ settings }: { settings: EffectiveSiteSettings }) {
  const rows: Array<[string, string]> = [
    ['Tracking', onOff(settings.trackingEnabled)],
    ['Allowed hostnames (besides the domain)', list(settings.allowedHostnames)],
    ['Excluded paths', list(settings.excludedPaths)],
    ['IP anonymisation', settings.ipAnonymization],
    ['Respect Do-Not-Track / GPC', onOff(settings.respectDoNotTrack)],
    ['Track automated browsers', onOff(settings.trackAutomation)],
    ['Raw event retention', `${settings.retentionDays} days`],
    ['Conversion events', list(settings.conversionEvents)],
    ['Public dashboard', onOff(settings.publicDashboard)],
  ]
  return (
    <table className="pa-table" data-testid="analytics-effective-settings">
      <caption>In force now, defaults included</caption>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
