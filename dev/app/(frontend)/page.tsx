import React from 'react'

export default function Home() {
  return (
    <main>
      <h1>payload-plugin-analytics demo</h1>
      <p>
        This public page stands for a tenant site. Open <a href="/admin">the admin</a> to see the
        Analytics group.
      </p>
    </main>
  )
}
