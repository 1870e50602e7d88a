import neostandard from 'neostandard'

/** One folder's import rule: what it may not import, and why, in the words of the README's Layout. */
function layer (files, group, message) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] } }
}

const folders = ['cli', 'db', 'domain', 'features', 'laravel', 'lib', 'plugins', 'routes', 'schemas', 'security']
/** Every project import from a file one folder below src/ but those of the folders named. */
const allBut = (...allowed) => ['../*.js', ...folders.filter((folder) => !allowed.includes(folder)).map((folder) => `../${folder}/**`)]

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'coverage/**', '.tap/**'] }),
  {
    // A TypeBox schema and its Static type share one name; the compiler catches real redeclarations.
    files: ['src/schemas/**/*.ts'],
    rules: { '@typescript-eslint/no-redeclare': 'off' }
  },
  layer(['src/domain/**/*.ts', 'src/lib/**/*.ts'], allBut(),
    'domain/ and lib/ are pure: they import nothing of the project outside their own folder.'),
  layer(['src/laravel/**/*.ts'], allBut('domain'),
    'laravel/ (the compatibility layer) builds on domain/ alone.'),
  layer(['src/schemas/**/*.ts'], allBut('domain', 'laravel'),
    'schemas/ describe the wire: they may quote domain/ and laravel/ constants, nothing else.'),
  layer(['src/db/**/*.ts'], ['**/routes/**', '**/plugins/**', '**/features/**', 'fastify', '@fastify/*'],
    'db/ knows nothing of HTTP: no Fastify, no routes, plugins or features.'),
  layer(['src/plugins/**/*.ts'], ['../routes/**', '../features/**'],
    'plugins/ are Fastify plumbing: features and routes build on them, never the other way.'),
  layer(['src/features/**/*.ts'], ['../routes/**'],
    'features/ serve the routes through decorators and hooks; they never import a route.'),
  layer(['src/routes/**/*.ts'], ['../plugins/**', '../features/**'],
    'routes/ reach plugins and features through the Fastify instance they decorate, not by import.')
]
