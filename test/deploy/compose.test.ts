import { access, readFile } from 'node:fs/promises'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig, settings } from '../../src/config.js'

const root = new URL('../../', import.meta.url)
const composeText = await readFile(new URL('compose.yaml', root), 'utf8')
const services = parse(composeText).services as Record<string, Record<string, any>>
const app = services.app ?? {}
const environment = app.environment as Record<string, string | number>

/** Settings that rate limiting reads; compose.yaml passes them on too. */
const rateLimitVariables = ['REDIS_URL', 'RATE_LIMIT_PER_MINUTE', 'LOGIN_RATE_LIMIT_PER_MINUTE']

/** Compose's interpolation when the operator sets only what is required: defaults, and a stand-in for required values. */
const interpolate = (value: string) => value.replace(/\$\{(\w+)(?::?([-?])([^}]*))?\}/g,
  (_, name: string, operator?: string, word?: string) => operator === '-' ? word ?? '' : operator === '?' ? `${name.toLowerCase()}0` : '')

t.test('compose.yaml runs PostgreSQL, Redis, two replicas of the image and nginx in front', async (t) => {
  t.match(services.postgres?.image, /^postgres:1[56](\b|-)/, 'PostgreSQL 15 or 16')
  t.match(services.redis?.image, /^redis:7(\b|-)/, 'Redis 7')
  t.match(services.proxy?.image, /^nginx:/)
  t.equal(app.build, '.', 'the service is built from the Dockerfile')
  await access(new URL('Dockerfile', root))
  t.equal(app.deploy?.replicas, 2)
  t.notOk(app.ports, 'replicas publish no port: only the proxy does')
  t.ok(services.proxy?.ports?.length > 0)
  t.same(app.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
  t.same(services.proxy?.depends_on, { app: { condition: 'service_healthy' } })
  const [config] = (services.proxy?.volumes as string[]).filter((volume) => volume.endsWith(':/etc/nginx/nginx.conf:ro'))
  t.equal(config, './deploy/nginx.conf:/etc/nginx/nginx.conf:ro', 'the proxy config is in the repository')
  await access(new URL('deploy/nginx.conf', root))
})

t.test("the service's environment covers every setting, the rate limits and the proxy hop, and the service accepts it", async (t) => {
  for (const name of [...settings.map((setting) => setting.name), ...rateLimitVariables]) {
    t.ok(name in environment, `${name} is set or passed through`)
  }
  const env = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, interpolate(String(value))]))
  const config = loadConfig(env)
  t.equal(config.trustProxy, 1, 'nginx is one trusted hop')
  t.equal(config.database.dialect, 'postgres')
  const database = new URL(config.database.dialect === 'postgres' ? config.database.connectionString : '')
  t.equal(database.host, 'postgres:5432')
  t.equal(database.pathname, `/${services.postgres?.environment.POSTGRES_DB}`)
  t.equal(database.username, services.postgres?.environment.POSTGRES_USER)
  t.equal(database.password, interpolate(services.postgres?.environment.POSTGRES_PASSWORD), 'the same password on both sides')
  t.equal(env.REDIS_URL, 'redis://redis:6379')

  const nginx = await readFile(new URL('deploy/nginx.conf', root), 'utf8')
  t.match(nginx, new RegExp(`server app:${config.port} resolve;`), "nginx's upstream is every replica, on the service's port")
  t.match(nginx, /location = \/metrics \{[^}]*return 404/, 'nginx keeps /metrics off the outside')
})

t.test('README "Deploying" names every variable compose.yaml reads or sets', async (t) => {
  const readme = await readFile(new URL('README.md', root), 'utf8')
  const section = readme.split('\n## Deploying\n')[1]?.split('\n## ')[0] ?? ''
  const interpolated = [...composeText.matchAll(/\$\{(\w+)/g)].map((match) => match[1] as string)
  for (const name of new Set([...interpolated, ...Object.keys(environment)])) {
    t.match(section, `\`${name}\``, name)
  }
})
