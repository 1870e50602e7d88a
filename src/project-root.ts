import { existsSync } from 'node:fs'

/**
 * The project's folder, where package.json and migrations/ are: the nearest folder above
 * this module that holds a package.json. Found by walking up, because the same code runs
 * from src/ (through tsx) and from any file of the bundle in dist/, at different depths.
 */
function nearestPackageFolder (moduleUrl: string): URL {
  let folder = new URL('./', moduleUrl)
  while (!existsSync(new URL('package.json', folder))) {
    const parent = new URL('../', folder)
    if (parent.href === folder.href) throw new Error(`No package.json above ${moduleUrl}`)
    folder = parent
  }
  return folder
}

export const projectRoot = nearestPackageFolder(import.meta.url)
