import { once } from 'node:events'
import { createConnection } from 'node:net'

/**
 * How the requests of a keep-alive load ended. A request is lost when the server reset its
 * connection or closed it in the middle of an answer: its bytes had reached the server, which
 * never answered. A request still unanswered when the server closed its connection cleanly,
 * between two answers, was never read: written behind an answer that said `Connection: close`,
 * or crossing the server's close of an idle connection. A client may send it again on a new
 * connection (HTTP clients do so for idempotent requests).
 */
export interface LoadTally {
  sent: number
  answered: number
  statuses: Record<number, number>
  unreadAtCleanClose: number
  lost: string[]
}

/** Reads one answer with a Content-Length body off the front of `buffer`, if it is all there. */
function takeAnswer (buffer: string): { status: number, closes: boolean, rest: string } | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n')
  if (headEnd === -1) return undefined
  const head = buffer.slice(0, headEnd)
  const end = headEnd + 4 + Number(/^content-length: *(\d+)\r?$/im.exec(head)?.[1] ?? 0)
  if (buffer.length < end) return undefined
  return { status: Number(head.split(' ')[1]), closes: /^connection: *close\r?$/im.test(head), rest: buffer.slice(end) }
}

/**
 * Keeps `connections` keep-alive connections busy until the server closes them, each with
 * `depth` requests written ahead (pipelined), writing the next one as soon as an answer
 * arrives. Like any HTTP client, it writes nothing more on a connection after an answer
 * that says `Connection: close`.
 */
export async function keepAliveLoad (port: number, options: { connections: number, depth: number, request: string }) {
  const tally: LoadTally = { sent: 0, answered: 0, statuses: {}, unreadAtCleanClose: 0, lost: [] }

  async function drive (connection: number): Promise<void> {
    const socket = createConnection(port, '127.0.0.1')
    await once(socket, 'connect')
    let unanswered = 0
    let received = ''
    let closeAnnounced = false
    const send = () => {
      if (closeAnnounced || socket.writableEnded) return
      tally.sent++
      unanswered++
      socket.write(options.request)
    }
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      received += chunk
      for (let answer = takeAnswer(received); answer !== undefined; answer = takeAnswer(received)) {
        received = answer.rest
        unanswered--
        tally.answered++
        tally.statuses[answer.status] = (tally.statuses[answer.status] ?? 0) + 1
        closeAnnounced ||= answer.closes
        send()
      }
    })
    for (let i = 0; i < options.depth; i++) send()
    const ending = await new Promise<string>((resolve) => {
      socket.once('end', () => resolve(received === '' ? 'clean close' : 'closed in the middle of an answer'))
      socket.once('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message))
    })
    socket.destroy()
    if (ending === 'clean close') tally.unreadAtCleanClose += unanswered
    else if (unanswered > 0) tally.lost.push(`connection ${connection}: ${unanswered} request(s) unanswered, ${ending}`)
  }

  const connections = Array.from({ length: options.connections }, (_, connection) => drive(connection))
  return {
    tally,
    /** Waits until the server has closed every connection, and tells how the requests ended. */
    finished: async () => {
      await Promise.all(connections)
      return tally
    }
  }
}
