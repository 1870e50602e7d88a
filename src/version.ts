import { readFileSync } from 'node:fs'
import { projectRoot } from './project-root.js'

/** The package version, read once. */
export const serviceVersion: string = JSON.parse(readFileSync(new URL('package.json', projectRoot), 'utf8')).version
