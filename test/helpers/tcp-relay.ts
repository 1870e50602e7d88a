import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'

export interface Relay {
  /** Where to connect instead of the target, on 127.0.0.1. */
  readonly port: number
  /** Forwards nothing more, either way, and closes nothing: a network that drops every packet. */
  silence: () => void
  /**
   * Forwards new connections again, while those made before stay black-holed for ever: a network
   * back, behind a NAT or firewall that lost their state. Only a client that gives up on them
   * and connects anew recovers.
   */
  resumeNewConnections: () => void
}

interface Pair {
  readonly client: Socket
  upstream?: Socket
}

/**
 * A TCP relay on 127.0.0.1 to `target`, that the test can make silent, and then let new
 * connections through again.
 * While silent it still accepts connections (the kernel would), but opens none to the target.
 * Every socket is destroyed in teardown.
 */
export async function tcpRelay (t: { teardown: (fn: () => unknown) => void }, target: { host: string, port: number }): Promise<Relay> {
  const pairs = new Set<Pair>()
  let silent = false

  const forward = (pair: Pair) => {
    const upstream = connect(target.port, target.host)
    pair.upstream = upstream
    upstream.on('error', () => {})
    upstream.on('close', () => pair.client.destroy())
    pair.client.on('data', (chunk) => upstream.write(chunk))
    upstream.on('data', (chunk) => pair.client.write(chunk))
  }

  const server = createServer((client) => {
    const pair: Pair = { client }
    pairs.add(pair)
    client.on('error', () => {})
    client.on('close', () => {
      pair.upstream?.destroy()
      pairs.delete(pair)
    })
    if (silent) client.pause()
    else forward(pair)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    for (const { client, upstream } of pairs) {
      client.destroy()
      upstream?.destroy()
    }
    server.close()
  })

  return {
    port: (server.address() as { port: number }).port,
    silence: () => {
      silent = true
      for (const { client, upstream } of pairs) {
        client.pause()
        upstream?.pause()
      }
    },
    resumeNewConnections: () => {
      silent = false
      for (const pair of pairs) {
        if (pair.upstream !== undefined) continue
        forward(pair)
        pair.client.resume()
      }
    }
  }
}
