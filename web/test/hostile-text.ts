// What a misbehaving peer can do to a text element: put content other than
// characters in its Y.Text (SCHEMA.md, `tx`), where its offsets count it and
// its string does not.

import * as Y from 'yjs'
import { RemoteOrigin } from '../src/doc/origin'

/** A peer inserts an embed at `offset` in element `id`'s text, and `doc` receives it. */
export function embedInText(doc: Y.Doc, id: string, offset: number): void {
  const peer = new Y.Doc()
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
  const words = (peer.getMap('elements').get(id) as Y.Map<unknown>).get('tx') as Y.Text
  words.insertEmbed(offset, { image: 'x' })
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(doc)), new RemoteOrigin('peer'))
}
