import React from 'react'

export default function Home() {
  return (
    <main>
      <h1>payload-plugin-analytics demo</h1>
      <p>
        This public page stands for the tenant site “Acme Shop”: its layout includes{' '}
        <code>&lt;AnalyticsScript site=&quot;shop.acme.test&quot; /&gt;</code>, so visiting it records a
        pageview. Open <a href="/admin">the admin</a> to see the Analytics group.
      </p>
      <p>
        <a href="/?utm_source=newsletter&amp;utm_campaign=launch">A link with UTM tags</a>
      </p>
    </main>
  )
}
