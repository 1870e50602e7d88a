import { writeFile } from 'node:fs/promises'
import { generateOpenApiYaml } from '../openapi-document.js'
import { projectRoot } from '../project-root.js'

const target = new URL('openapi.yaml', projectRoot)
await writeFile(target, await generateOpenApiYaml())
process.stdout.write(`wrote ${target.pathname}\n`)
