import { existsSync } from 'node:fs'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'

const chromiumPath = '/usr/bin/chromium'

t.test('/docs renders every operation of the spec in Chromium', { skip: existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium)` }, async (t) => {
  const { chromium } = await import('playwright-core')
  const app = await buildTestApp(t, 'sqlite')
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }

  const spec = app.swagger() as unknown as { paths: Record<string, Record<string, { summary: string }>> }
  const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, summary: operation.summary })))

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const failures: string[] = []
  page.on('pageerror', (error) => failures.push(error.message))
  page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`))

  await page.goto(`http://127.0.0.1:${port}/docs`)
  await page.waitForSelector('.opblock', { timeout: 30_000 })
  const rendered = await page.$$eval('.opblock', (blocks) => blocks.map((block) => ({
    method: block.querySelector('.opblock-summary-method')?.textContent?.trim().toLowerCase(),
    path: block.querySelector('.opblock-summary-path')?.getAttribute('data-path'),
    summary: block.querySelector('.opblock-summary-description')?.textContent?.trim()
  })))
  const key = (operation: { method?: string, path?: string | null }) => `${operation.method} ${operation.path}`
  t.same(rendered.map(key).sort(), operations.map(key).sort(), 'one block per operation')
  t.same(rendered.map((operation) => operation.summary).sort(), operations.map((operation) => operation.summary).sort())
  t.match(await page.textContent('.info .title'), 'Customer Services API')
  t.same(failures, [], 'no script errors or failed requests')
})
