import { writeFile } from 'node:fs/promises'
import { generateOpenApiYaml } from '../openapi-document.js'

const target = new URL('../../openapi.yaml', import.meta.url)
await writeFile(target, await generateOpenApiYaml())
process.stdout.write(`wrote ${target.pathname}\n`)
