import { Type } from 'typebox'

export const VersionBody = Type.Object({
  version: Type.String({ examples: ['1.0.0'] }),
  status: Type.Literal('ok')
})

export const HealthBody = Type.Object({ status: Type.String({ examples: ['ok'] }) })

export const UnavailableBody = Type.Object({ message: Type.String(), status: Type.String({ examples: ['unavailable'] }) })
