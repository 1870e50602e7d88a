import { Type } from 'typebox'

export const VersionBody = Type.Object({
  version: Type.String(),
  status: Type.Literal('ok')
}, { description: 'The running version.', examples: [{ version: '1.0.0', status: 'ok' }] })

export const HealthBody = Type.Object({ status: Type.Literal('ok') }, { description: 'Healthy.', examples: [{ status: 'ok' }] })

export const UnavailableBody = Type.Object({
  message: Type.String(),
  status: Type.Literal('unavailable')
}, { description: 'The database does not answer.', examples: [{ message: 'The database is unavailable.', status: 'unavailable' }] })
