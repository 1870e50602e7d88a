import { request } from 'node:http'
import type { DrawnRequest } from './load.js'

export interface AnswerSize {
  readonly status: number
  /** The status line and the header lines, with their line ends and the blank line that closes them. */
  readonly headerBytes: number
  readonly bodyBytes: number
}

/** One answer's bytes on the wire, head and body apart (the head rebuilt from the raw header lines Node read). */
export async function answerSize (origin: string, method: string, headers: Record<string, string>, drawn: DrawnRequest): Promise<AnswerSize> {
  return await new Promise((resolve, reject) => {
    const outgoing = request(`${origin}${drawn.path}`, { method, headers }, (response) => {
      let bodyBytes = 0
      response.on('data', (chunk: Buffer) => { bodyBytes += chunk.length })
      response.on('error', reject)
      response.on('end', () => {
        const lines = [`HTTP/${response.httpVersion} ${response.statusCode ?? 0} ${response.statusMessage ?? ''}`]
        for (let i = 0; i < response.rawHeaders.length; i += 2) lines.push(`${response.rawHeaders[i] ?? ''}: ${response.rawHeaders[i + 1] ?? ''}`)
        resolve({ status: response.statusCode ?? 0, headerBytes: Buffer.byteLength(lines.join('\r\n') + '\r\n\r\n'), bodyBytes })
      })
    })
    outgoing.on('error', reject)
    outgoing.end(drawn.body)
  })
}
