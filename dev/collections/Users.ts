import type { CollectionConfig, FieldAccess } from 'payload'

/** Only a super-admin hands out roles: otherwise any user could make themselves one. */
const superAdminOnly: FieldAccess = ({ req }) => Boolean((req.user as null | { roles?: null | string[] })?.roles?.includes('super-admin'))

export const Users: CollectionConfig = {
  slug: 'users',
  admin: { defaultColumns: ['email', 'roles'], useAsTitle: 'email' },
  auth: true,
  fields: [
    {
      name: 'roles',
      type: 'select',
      access: { create: superAdminOnly, update: superAdminOnly },
      admin: { description: 'Tenant manager: may also manage the analytics defaults of the user’s tenants.' },
      defaultValue: ['user'],
      hasMany: true,
      options: [
        { label: 'Super admin', value: 'super-admin' },
        { label: 'Tenant manager', value: 'tenant-manager' },
        { label: 'User', value: 'user' },
      ],
      required: true,
    },
  ],
}
