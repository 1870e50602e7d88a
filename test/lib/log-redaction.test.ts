import t from 'tap'
import { redactUrlSecrets } from '../../src/lib/log-redaction.js'

t.test('credentials in a query string are redacted however the name is written', async (t) => {
  const cases: Array<[string, string]> = [
    ['/api/login?email=a%40b.c&password=s3cret', '/api/login?email=a%40b.c&password=[redacted]'],
    ['/x?token=s3cret&access_token=s3cret&page=2', '/x?token=[redacted]&access_token=[redacted]&page=2'],
    ['/x?PASSWORD=s3cret', '/x?PASSWORD=[redacted]'],
    ['/x?password[]=s3cret&password[1]=s3cret', '/x?password[]=[redacted]&password[1]=[redacted]'],
    ['/x?password%5B%5D=s3cret', '/x?password%5B%5D=[redacted]'],
    ['/x?pass%77ord=s3cret', '/x?pass%77ord=[redacted]'],
    ['/x?token%5Bvalue%5D=s3cret', '/x?token%5Bvalue%5D=[redacted]'],
    ['/x?password_confirmation=s3cret', '/x?password_confirmation=[redacted]'],
    ['/x?%E0%A4%A=1&token=s3cret', '/x?%E0%A4%A=1&token=[redacted]']
  ]
  for (const [url, redacted] of cases) t.equal(redactUrlSecrets(url), redacted, url)
})

t.test('other parameters, and names that only contain a secret one, are kept', async (t) => {
  for (const url of ['/x?tokens=1', '/x?my_password=1', '/x?filter[name]=token', '/x?sort=password', '/x', '/x?token']) {
    t.equal(redactUrlSecrets(url), url)
  }
})
